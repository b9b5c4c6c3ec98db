/**
 * Behaviour cloning (warm start): fits the actor of a policy to a teacher's decisions by supervised learning —
 * cross-entropy of the teacher's action under the masked action distribution, the distribution PPO samples
 * from — before any PPO update. Only the actor learns; the critic and PPO's optimiser state are left as they are,
 * so PPO starts from a policy that acts like the teacher (Vidur's RL scheduler peer starts from its heuristic).
 *
 *   const stats = cloneBehaviour(policy, { observations, masks, actions, count }, { epochs: 8, batchSize: 256, learningRate: 1e-3, seed });
 *   stats.accuracy   // share of the demonstrations whose most probable valid action is the teacher's
 */
import * as tf from '@tensorflow/tfjs';
import { Adam, SB3_ADAM } from './adam.js';
import { logProbOf, maskLogits } from './masked-categorical.js';
import type { ActorCriticPolicy } from './policy.js';
import { SavableRng } from './rng.js';

/** A teacher's decisions: `count` rows of (observation as the policy sees it, mask, action). */
export interface Demonstrations {
  /** count × obsSize, already normalised the way the policy's input is. */
  readonly observations: Float32Array;
  /** count × actionCount, 1 = allowed. */
  readonly masks: Uint8Array;
  readonly actions: Int32Array;
  readonly count: number;
}

export interface CloneOptions {
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  /** Seed of the minibatch shuffling. */
  readonly seed: number;
  /**
   * Label smoothing ε (training.PPO.clone_label_smoothing; absent or 0 = plain cross-entropy): the target is
   * (1 − ε) on the teacher's action and ε spread evenly over the actions the mask allows (the teacher's included).
   * The clone's most probable action stays the teacher's, but it keeps about ε of its probability on the others,
   * so PPO's sampled rollouts still try them: a clone fitted to one-hot targets puts probability ≈ 1 on the
   * teacher's action at every choice and PPO never sees an alternative.
   */
  readonly labelSmoothing?: number;
}

export interface CloneStats {
  readonly samples: number;
  readonly epochs: number;
  /** Mean cross-entropy of the teacher's actions before and after cloning. */
  readonly lossBefore: number;
  readonly lossAfter: number;
  /** Share of the demonstrations where the most probable valid action is the teacher's, after cloning. */
  readonly accuracy: number;
  /** Share of demonstrations whose teacher action is NO_ACTION (index 0): what always doing nothing would score. */
  readonly noActionShare: number;
  /** After cloning, over the demonstrations whose mask allows more than one action: mean largest probability. */
  readonly choiceMaxProb: number;
  /** The label smoothing the fit used (0 = none). */
  readonly labelSmoothing: number;
}

/**
 * The cloning loss: mean cross-entropy of the (optionally smoothed) teacher target under the masked distribution.
 * With ε = 0 it is exactly −mean log p(teacher action).
 */
export function cloneLoss(
  maskedLogits: tf.Tensor2D,
  masks: tf.Tensor2D,
  actions: tf.Tensor1D,
  labelSmoothing: number,
): tf.Scalar {
  // No tidy of its own: it runs inside variableGrads, whose tape needs the intermediates (the caller tidies).
  const teacher = logProbOf(maskedLogits, actions);
  if (labelSmoothing === 0) return tf.neg(tf.mean(teacher)) as tf.Scalar;
  const valid = tf.cast(masks, 'float32');
  // Mean log-probability over the allowed actions (the masked ones' −1e8 logits are left out, not summed).
  const logp = tf.logSoftmax(maskedLogits);
  const uniform = tf.div(tf.sum(tf.where(masks.cast('bool'), logp, tf.zerosLike(logp)), 1), tf.sum(valid, 1));
  return tf.neg(
    tf.mean(tf.add(tf.mul(teacher, 1 - labelSmoothing), tf.mul(uniform, labelSmoothing))),
  ) as tf.Scalar;
}

/**
 * The default cloning schedule of `migflow train --warm-start`: 640 Adam steps on 8192 demonstrations (seconds on a
 * [64, 64] actor, about a minute on the shipped [512, 512] one on two cores).
 */
export const WARM_START_CLONE_DEFAULTS: Omit<CloneOptions, 'seed'> = {
  epochs: 20,
  batchSize: 256,
  learningRate: 1e-3,
};

function rows(d: Demonstrations, idx: Int32Array, obsSize: number, actionCount: number) {
  const obs = new Float32Array(idx.length * obsSize);
  const masks = new Int32Array(idx.length * actionCount);
  const actions = new Int32Array(idx.length);
  idx.forEach((r, k) => {
    obs.set(d.observations.subarray(r * obsSize, (r + 1) * obsSize), k * obsSize);
    for (let a = 0; a < actionCount; a++) masks[k * actionCount + a] = d.masks[r * actionCount + a]!;
    actions[k] = d.actions[r]!;
  });
  return {
    obs: tf.tensor2d(obs, [idx.length, obsSize]),
    masks: tf.tensor2d(masks, [idx.length, actionCount], 'int32'),
    actions: tf.tensor1d(actions, 'int32'),
  };
}

/** Mean cross-entropy and argmax accuracy of the policy on all demonstrations. */
export function scoreDemonstrations(
  policy: ActorCriticPolicy,
  d: Demonstrations,
): { loss: number; accuracy: number; choiceMaxProb: number } {
  const { obsSize, actionCount } = policy.shape;
  const all = Int32Array.from({ length: d.count }, (_, i) => i);
  return tf.tidy(() => {
    const b = rows(d, all, obsSize, actionCount);
    const masked = maskLogits(policy.logits(b.obs), b.masks);
    const loss = tf.neg(tf.mean(logProbOf(masked, b.actions))).dataSync()[0]!;
    const hits = tf.sum(tf.cast(tf.equal(tf.argMax(masked, 1), b.actions), 'float32')).dataSync()[0]!;
    const choice = tf.greater(tf.sum(b.masks, 1), 1);
    const choices = tf.sum(tf.cast(choice, 'float32')).dataSync()[0]!;
    const maxProb = tf.where(choice, tf.max(tf.softmax(masked), 1), tf.zeros([d.count]));
    const choiceMaxProb = choices === 0 ? Number.NaN : tf.sum(maxProb).dataSync()[0]! / choices;
    return { loss, accuracy: hits / d.count, choiceMaxProb };
  });
}

/** Fits the policy's actor to the demonstrations (see the module doc). */
export function cloneBehaviour(policy: ActorCriticPolicy, d: Demonstrations, o: CloneOptions): CloneStats {
  const { obsSize, actionCount } = policy.shape;
  if (d.count < 1) throw new Error('cloneBehaviour: no demonstrations');
  if (d.observations.length !== d.count * obsSize || d.masks.length !== d.count * actionCount) {
    throw new Error(
      `cloneBehaviour: demonstrations have ${d.observations.length / d.count} observations and ${d.masks.length / d.count} actions per row, the policy ${obsSize} and ${actionCount}`,
    );
  }
  for (let r = 0; r < d.count; r++) {
    if (d.masks[r * actionCount + d.actions[r]!] !== 1) {
      throw new Error(
        `cloneBehaviour: demonstration ${r} takes action ${d.actions[r]}, which its mask forbids`,
      );
    }
  }
  const smoothing = o.labelSmoothing ?? 0;
  if (!(smoothing >= 0 && smoothing < 1)) {
    throw new Error(`cloneBehaviour: labelSmoothing must be in [0, 1), got ${smoothing}`);
  }
  const before = scoreDemonstrations(policy, d);
  const actor = [
    ...policy.piHidden.flatMap((l) => [l.kernel, l.bias]),
    policy.piHead.kernel,
    policy.piHead.bias,
  ];
  // An optimiser of its own: PPO's Adam starts fresh, as it would from a checkpoint of a cloned policy.
  const adam = new Adam(actor, SB3_ADAM);
  const rng = new SavableRng(o.seed);
  const order = Int32Array.from({ length: d.count }, (_, i) => i);
  try {
    for (let epoch = 0; epoch < o.epochs; epoch++) {
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(rng.random() * (i + 1));
        const t = order[i]!;
        order[i] = order[j]!;
        order[j] = t;
      }
      for (let start = 0; start < d.count; start += o.batchSize) {
        const idx = order.subarray(start, Math.min(d.count, start + o.batchSize));
        tf.tidy(() => {
          const b = rows(d, idx, obsSize, actionCount);
          const { grads } = tf.variableGrads(
            () => cloneLoss(maskLogits(policy.logits(b.obs), b.masks), b.masks, b.actions, smoothing),
            actor,
          );
          adam.step(
            actor.map((v) => grads[v.name]!),
            o.learningRate,
          );
        });
      }
    }
  } finally {
    adam.dispose();
  }
  const after = scoreDemonstrations(policy, d);
  let noAction = 0;
  for (let r = 0; r < d.count; r++) if (d.actions[r] === 0) noAction++;
  return {
    samples: d.count,
    epochs: o.epochs,
    lossBefore: before.loss,
    lossAfter: after.loss,
    accuracy: after.accuracy,
    noActionShare: noAction / d.count,
    choiceMaxProb: after.choiceMaxProb,
    labelSmoothing: smoothing,
  };
}
