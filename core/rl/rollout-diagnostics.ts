/**
 * What a rollout says about exploration and credit before the update that learns from it: how many decisions left
 * the policy a choice (the action mask), how sure the policy was on those (entropy, largest probability, the
 * probability of the action it took), how often it acted, and how large the advantages and the critic's errors were
 * (raw, before PPO normalises the advantages per minibatch). Read-only: it computes from the stored rollout and one
 * forward pass of the actor, draws nothing and changes nothing, so a run is bit for bit the same with or without it.
 * Written to logs/rollouts.jsonl and TensorBoard's `diagnostics/*` once per update: the numbers that say whether a
 * warm-started PPO explores at all (a clone at probability 1 on every choice never does) and whether its first
 * advantages are signal or the fresh critic's noise.
 */
import * as tf from '@tensorflow/tfjs';
import { maskedEntropy, maskLogits } from './masked-categorical.js';
import type { ActorCriticPolicy } from './policy.js';
import type { RolloutBuffer } from './rollout-buffer.js';

export interface RolloutDiagnostics {
  /** Transitions in the rollout. */
  readonly transitions: number;
  /** Share of transitions whose mask allowed more than one action (the only ones where the policy chooses). */
  readonly choiceShare: number;
  /** Mean count of allowed actions. */
  readonly meanValidActions: number;
  /** Share of transitions whose action was not NO_ACTION (index 0). */
  readonly actedShare: number;
  /** Over the transitions with a choice: mean entropy (nats) of the masked distribution. */
  readonly choiceEntropy: number;
  /** Over the transitions with a choice: mean of the largest action probability. */
  readonly choiceMaxProb: number;
  /** Over the transitions with a choice: share where the largest probability is ≥ 0.99 (no exploration there). */
  readonly choiceNearDeterministicShare: number;
  /** Mean probability of the action taken (from the stored log-probabilities). */
  readonly meanTakenProb: number;
  /** Raw GAE advantages: mean, standard deviation, mean absolute value. */
  readonly advantageMean: number;
  readonly advantageStd: number;
  readonly advantageAbsMean: number;
  /** Standard deviation of the returns (the critic's targets). */
  readonly returnStd: number;
  /** Mean squared error of the critic's rollout values against the returns: the value loss before the update. */
  readonly valueLossBefore: number;
}

function meanStd(xs: Float32Array): { mean: number; std: number; absMean: number } {
  let s = 0;
  let a = 0;
  for (let i = 0; i < xs.length; i++) {
    s += xs[i]!;
    a += Math.abs(xs[i]!);
  }
  const mean = s / Math.max(1, xs.length);
  let v = 0;
  for (let i = 0; i < xs.length; i++) v += (xs[i]! - mean) ** 2;
  return { mean, std: Math.sqrt(v / Math.max(1, xs.length)), absMean: a / Math.max(1, xs.length) };
}

/** The diagnostics of the rollout in `buffer` (advantages and returns computed) under the policy that collected it. */
export function rolloutDiagnostics(policy: ActorCriticPolicy, buffer: RolloutBuffer): RolloutDiagnostics {
  const n = buffer.count;
  const A = buffer.actionCount;
  const choice: number[] = [];
  let valid = 0;
  let acted = 0;
  let taken = 0;
  for (let i = 0; i < n; i++) {
    let k = 0;
    for (let a = 0; a < A; a++) k += buffer.masks[i * A + a]!;
    valid += k;
    if (k > 1) choice.push(i);
    if (buffer.actions[i] !== 0) acted++;
    taken += Math.exp(buffer.logProbs[i]!);
  }
  let entropy = Number.NaN;
  let maxProb = Number.NaN;
  let sure = Number.NaN;
  if (choice.length > 0) {
    const obsSize = buffer.obsSize;
    const obs = new Float32Array(choice.length * obsSize);
    const masks = new Int32Array(choice.length * A);
    choice.forEach((i, k) => {
      obs.set(buffer.observations.subarray(i * obsSize, (i + 1) * obsSize), k * obsSize);
      for (let a = 0; a < A; a++) masks[k * A + a] = buffer.masks[i * A + a]!;
    });
    const [ent, maxP] = tf.tidy(() => {
      const m = tf.tensor2d(masks, [choice.length, A], 'int32');
      const masked = maskLogits(policy.logits(tf.tensor2d(obs, [choice.length, obsSize])), m);
      return [maskedEntropy(masked, m).dataSync(), tf.max(tf.softmax(masked), 1).dataSync()];
    });
    let e = 0;
    let p = 0;
    let s = 0;
    for (let k = 0; k < choice.length; k++) {
      e += ent[k]!;
      p += maxP[k]!;
      if (maxP[k]! >= 0.99) s++;
    }
    entropy = e / choice.length;
    maxProb = p / choice.length;
    sure = s / choice.length;
  }
  const adv = meanStd(buffer.advantages.subarray(0, n));
  const ret = meanStd(buffer.returns.subarray(0, n));
  let se = 0;
  for (let i = 0; i < n; i++) se += (buffer.returns[i]! - buffer.values[i]!) ** 2;
  return {
    transitions: n,
    choiceShare: choice.length / Math.max(1, n),
    meanValidActions: valid / Math.max(1, n),
    actedShare: acted / Math.max(1, n),
    choiceEntropy: entropy,
    choiceMaxProb: maxProb,
    choiceNearDeterministicShare: sure,
    meanTakenProb: taken / Math.max(1, n),
    advantageMean: adv.mean,
    advantageStd: adv.std,
    advantageAbsMean: adv.absMean,
    returnStd: ret.std,
    valueLossBefore: se / Math.max(1, n),
  };
}
