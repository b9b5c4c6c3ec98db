/**
 * The PPO update (SB3 `PPO.train` with sb3-contrib's masks): epochs over shuffled minibatches of one rollout;
 * probability ratio, clipped surrogate, value loss with the value clip, entropy bonus, gradient-norm clip, Adam.
 * Nothing here touches the environment.
 */
import * as tf from '@tensorflow/tfjs';
import { type Adam, clipByGlobalNorm } from './adam.js';
import type { ActorCriticPolicy } from './policy.js';
import type { RolloutBuffer } from './rollout-buffer.js';

export interface PpoHyperParams {
  readonly nEpochs: number;
  readonly batchSize: number;
  readonly clipRange: number;
  /** Clip of the value prediction around the old value; undefined = no value clip. The reference sets 0.2. */
  readonly clipRangeVf?: number;
  readonly entCoef: number;
  readonly vfCoef: number;
  readonly maxGradNorm: number;
  readonly normalizeAdvantage: boolean;
  /** Stop the epochs early when the approximate KL exceeds 1.5 × this (SB3); undefined = never. */
  readonly targetKl?: number;
}

/** SB3 defaults the reference leaves unset. */
export const SB3_PPO_DEFAULTS = { vfCoef: 0.5, maxGradNorm: 0.5, normalizeAdvantage: true } as const;

/** One minibatch as tensors. */
export interface PpoBatch {
  readonly obs: tf.Tensor2D;
  readonly actions: tf.Tensor1D;
  readonly masks: tf.Tensor2D;
  readonly oldLogProb: tf.Tensor1D;
  readonly oldValues: tf.Tensor1D;
  readonly advantages: tf.Tensor1D;
  readonly returns: tf.Tensor1D;
}

export interface PpoLossTerms {
  readonly loss: tf.Scalar;
  readonly policyLoss: tf.Scalar;
  readonly valueLoss: tf.Scalar;
  /** −mean entropy (SB3's entropy_loss). */
  readonly entropyLoss: tf.Scalar;
  readonly approxKl: tf.Scalar;
  readonly clipFraction: tf.Scalar;
}

/** The PPO loss of one minibatch (differentiable in the policy's variables). */
export function ppoLoss(
  policy: ActorCriticPolicy,
  b: PpoBatch,
  hp: Pick<PpoHyperParams, 'clipRange' | 'clipRangeVf' | 'entCoef' | 'vfCoef' | 'normalizeAdvantage'>,
): PpoLossTerms {
  const { values, logProb, entropy } = policy.evaluateActions(b.obs, b.actions, b.masks);
  let adv: tf.Tensor1D = b.advantages;
  const n = b.advantages.shape[0];
  if (hp.normalizeAdvantage && n > 1) {
    const mean = tf.mean(adv);
    // torch's std is the unbiased one (n − 1).
    const std = tf.sqrt(tf.div(tf.sum(tf.square(tf.sub(adv, mean))), n - 1));
    adv = tf.div(tf.sub(adv, mean), tf.add(std, 1e-8));
  }
  const logRatio = tf.sub(logProb, b.oldLogProb);
  const ratio = tf.exp(logRatio);
  const surr1 = tf.mul(adv, ratio);
  const surr2 = tf.mul(adv, tf.clipByValue(ratio, 1 - hp.clipRange, 1 + hp.clipRange));
  const policyLoss = tf.neg(tf.mean(tf.minimum(surr1, surr2))) as tf.Scalar;
  const valuesPred =
    hp.clipRangeVf === undefined
      ? values
      : tf.add(b.oldValues, tf.clipByValue(tf.sub(values, b.oldValues), -hp.clipRangeVf, hp.clipRangeVf));
  const valueLoss = tf.mean(tf.square(tf.sub(b.returns, valuesPred))) as tf.Scalar;
  const entropyLoss = tf.neg(tf.mean(entropy)) as tf.Scalar;
  const loss = tf.addN([
    policyLoss,
    tf.mul(entropyLoss, hp.entCoef),
    tf.mul(valueLoss, hp.vfCoef),
  ]) as tf.Scalar;
  const approxKl = tf.mean(tf.sub(tf.sub(ratio, 1), logRatio)) as tf.Scalar;
  const clipFraction = tf.mean(
    tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), hp.clipRange), 'float32'),
  ) as tf.Scalar;
  return { loss, policyLoss, valueLoss, entropyLoss, approxKl, clipFraction };
}

/** What one update reports (SB3's train/… keys). */
export interface PpoUpdateStats {
  readonly policyLoss: number;
  readonly valueLoss: number;
  readonly entropyLoss: number;
  readonly approxKl: number;
  readonly clipFraction: number;
  readonly loss: number;
  readonly explainedVariance: number;
  readonly gradNorm: number;
  readonly learningRate: number;
  readonly entCoef: number;
  readonly epochs: number;
}

/** 1 − Var(y − ŷ)/Var(y) (biased variances); NaN when Var(y) = 0. */
export function explainedVariance(pred: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = y.length;
  let my = 0;
  let md = 0;
  for (let i = 0; i < n; i++) {
    my += y[i]!;
    md += y[i]! - pred[i]!;
  }
  my /= n;
  md /= n;
  let vy = 0;
  let vd = 0;
  for (let i = 0; i < n; i++) {
    vy += (y[i]! - my) ** 2;
    vd += (y[i]! - pred[i]! - md) ** 2;
  }
  return vy === 0 ? Number.NaN : 1 - vd / vy;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

/**
 * One minibatch's logged values (SB3 reports their means over the update; of the loss and the gradient norm, before
 * clipping, the last minibatch's).
 */
export type MinibatchValues = Pick<
  PpoUpdateStats,
  'policyLoss' | 'valueLoss' | 'entropyLoss' | 'approxKl' | 'clipFraction' | 'loss' | 'gradNorm'
>;

/**
 * What an update logs while it runs — per-minibatch losses, KL and clip share, the last loss and gradient norm, the
 * epochs begun — and its statistics (train/* in SB3's logs) once done. Shared by the tape-based and the sharded update.
 */
export class UpdateLog {
  private readonly pg: number[] = [];
  private readonly vl: number[] = [];
  private readonly el: number[] = [];
  private readonly kl: number[] = [];
  private readonly cf: number[] = [];
  private lastLoss = Number.NaN;
  private lastNorm = Number.NaN;
  epochs = 0;

  record(v: MinibatchValues): void {
    this.pg.push(v.policyLoss);
    this.vl.push(v.valueLoss);
    this.el.push(v.entropyLoss);
    this.kl.push(v.approxKl);
    this.cf.push(v.clipFraction);
    this.lastLoss = v.loss;
    this.lastNorm = v.gradNorm;
  }

  /** The update's statistics, explained variance from the rollout's first `n` transitions. */
  stats(buffer: RolloutBuffer, n: number, learningRate: number, entCoef: number): PpoUpdateStats {
    return {
      policyLoss: mean(this.pg),
      valueLoss: mean(this.vl),
      entropyLoss: mean(this.el),
      approxKl: mean(this.kl),
      clipFraction: mean(this.cf),
      loss: this.lastLoss,
      explainedVariance: explainedVariance(buffer.values.subarray(0, n), buffer.returns.subarray(0, n)),
      gradNorm: this.lastNorm,
      learningRate,
      entCoef,
      epochs: this.epochs,
    };
  }
}

/**
 * A loss or gradient of one minibatch is not finite; thrown before that minibatch's step is applied (the trainer
 * turns it into a `TrainingDivergedError` naming the update and the likely cause).
 */
export class NonFiniteUpdateError extends Error {
  constructor(
    readonly quantity: 'loss' | 'gradient',
    readonly epoch: number,
    readonly minibatch: number,
    readonly values: Readonly<Record<string, number>>,
  ) {
    super(`non-finite ${quantity} in epoch ${epoch}, minibatch ${minibatch}`);
    this.name = 'NonFiniteUpdateError';
  }
}

/** Throws a NonFiniteUpdateError when a minibatch's loss terms or gradient norm are not finite. */
export function checkFiniteMinibatch(
  epoch: number,
  minibatch: number,
  terms: { policyLoss: number; valueLoss: number; entropyLoss: number; loss: number },
  gradNorm: number,
): void {
  if (![terms.policyLoss, terms.valueLoss, terms.entropyLoss, terms.loss].every(Number.isFinite))
    throw new NonFiniteUpdateError('loss', epoch, minibatch, { ...terms });
  if (!Number.isFinite(gradNorm)) throw new NonFiniteUpdateError('gradient', epoch, minibatch, { gradNorm });
}

/**
 * Runs the epochs of one update on the stored rollout (advantages already computed; a partial rollout at the end
 * of a run is fine). Stops with a NonFiniteUpdateError before applying a minibatch whose loss or gradient is not
 * finite.
 */
export function ppoUpdate(
  policy: ActorCriticPolicy,
  optimizer: Adam,
  buffer: RolloutBuffer,
  hp: PpoHyperParams,
  learningRate: number,
  random: () => number,
): PpoUpdateStats {
  const vars = policy.variables();
  const n = buffer.count;
  const all = {
    obs: tf.tensor2d(buffer.observations.subarray(0, n * buffer.obsSize), [n, buffer.obsSize]),
    masks: tf.tensor2d(buffer.masks.subarray(0, n * buffer.actionCount), [n, buffer.actionCount], 'int32'),
    actions: tf.tensor1d(buffer.actions.subarray(0, n), 'int32'),
    oldLogProb: tf.tensor1d(buffer.logProbs.subarray(0, n)),
    oldValues: tf.tensor1d(buffer.values.subarray(0, n)),
    advantages: tf.tensor1d(buffer.advantages.subarray(0, n)),
    returns: tf.tensor1d(buffer.returns.subarray(0, n)),
  };
  const log = new UpdateLog();
  let stop = false;
  try {
    for (let epoch = 0; epoch < hp.nEpochs && !stop; epoch++) {
      log.epochs++;
      let minibatch = 0;
      for (const idx of buffer.minibatchIndices(hp.batchSize, random)) {
        minibatch++;
        const stats = tf.tidy(() => {
          const i = tf.tensor1d(idx, 'int32');
          const b: PpoBatch = {
            obs: tf.gather(all.obs, i) as tf.Tensor2D,
            masks: tf.gather(all.masks, i) as tf.Tensor2D,
            actions: tf.gather(all.actions, i) as tf.Tensor1D,
            oldLogProb: tf.gather(all.oldLogProb, i) as tf.Tensor1D,
            oldValues: tf.gather(all.oldValues, i) as tf.Tensor1D,
            advantages: tf.gather(all.advantages, i) as tf.Tensor1D,
            returns: tf.gather(all.returns, i) as tf.Tensor1D,
          };
          let kept: tf.Scalar[] = [];
          const { value, grads } = tf.variableGrads(() => {
            const t = ppoLoss(policy, b, hp);
            // variableGrads disposes everything but the loss; the logged terms are kept and freed below.
            kept = [t.policyLoss, t.valueLoss, t.entropyLoss, t.approxKl, t.clipFraction].map((x) =>
              tf.keep(x),
            );
            return t.loss;
          }, vars);
          const values = [...kept, value].map((x) => x.dataSync()[0]!);
          tf.dispose(kept);
          const ordered = vars.map((v) => grads[v.name]!);
          const clipped = clipByGlobalNorm(ordered, hp.maxGradNorm);
          const [policyLoss, valueLoss, entropyLoss, , , loss] = values as [
            number,
            number,
            number,
            number,
            number,
            number,
          ];
          checkFiniteMinibatch(
            epoch + 1,
            minibatch,
            { policyLoss, valueLoss, entropyLoss, loss },
            clipped.norm,
          );
          optimizer.step(clipped.grads, learningRate);
          return { values, norm: clipped.norm };
        });
        const [p, v, e, k, c, l] = stats.values as [number, number, number, number, number, number];
        log.record({
          policyLoss: p,
          valueLoss: v,
          entropyLoss: e,
          approxKl: k,
          clipFraction: c,
          loss: l,
          gradNorm: stats.norm,
        });
        if (hp.targetKl !== undefined && k > 1.5 * hp.targetKl) {
          stop = true;
          break;
        }
      }
    }
  } finally {
    for (const t of Object.values(all)) t.dispose();
  }
  return log.stats(buffer, n, learningRate, hp.entCoef);
}
