/**
 * The masked categorical distribution of Maskable PPO (sb3-contrib MaskableCategorical): invalid actions get a
 * huge negative logit before the softmax, so their probability is exactly 0, and they are left out of the
 * entropy. Tensor functions for the update; a typed-array sampler for collection.
 */
import * as tf from '@tensorflow/tfjs';

/** The logit masked actions get (sb3-contrib's value): exp underflows to 0 in float32. */
export const MASKED_LOGIT = -1e8;

/** logits [B, A], mask [B, A] (1 = valid, float or bool) → masked logits. */
export function maskLogits(logits: tf.Tensor2D, mask: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(
    () => tf.where(mask.cast('bool'), logits, tf.fill(logits.shape, MASKED_LOGIT)) as tf.Tensor2D,
  );
}

/** Log-probabilities [B] of `actions` [B] (int32) under masked logits [B, A]. */
export function logProbOf(maskedLogits: tf.Tensor2D, actions: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => {
    const logp = tf.logSoftmax(maskedLogits);
    const onehot = tf.oneHot(actions.cast('int32'), maskedLogits.shape[1]);
    return tf.sum(tf.mul(logp, onehot), 1) as tf.Tensor1D;
  });
}

/** Entropy [B] over valid actions only: −Σ_valid p·log p. */
export function maskedEntropy(maskedLogits: tf.Tensor2D, mask: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const logp = tf.logSoftmax(maskedLogits);
    const p = tf.exp(logp);
    const plogp = tf.where(mask.cast('bool'), tf.mul(p, logp), tf.zerosLike(logp));
    return tf.neg(tf.sum(plogp, 1)) as tf.Tensor1D;
  });
}

/**
 * Samples one action from float32 logits of one observation under `mask`, with `u` uniform on [0, 1); returns
 * the action and its log-probability. Throws when no action is valid.
 */
export function sampleMasked(
  logits: Float32Array,
  mask: Uint8Array,
  u: number,
): { action: number; logProb: number } {
  let max = Number.NEGATIVE_INFINITY;
  for (let a = 0; a < logits.length; a++) if (mask[a] === 1 && logits[a]! > max) max = logits[a]!;
  if (max === Number.NEGATIVE_INFINITY) throw new Error('sampleMasked: the mask allows no action');
  let sum = 0;
  for (let a = 0; a < logits.length; a++) if (mask[a] === 1) sum += Math.exp(logits[a]! - max);
  const logSum = Math.log(sum) + max;
  let target = u * sum;
  let last = -1;
  for (let a = 0; a < logits.length; a++) {
    if (mask[a] !== 1) continue;
    last = a;
    target -= Math.exp(logits[a]! - max);
    if (target < 0) return { action: a, logProb: logits[a]! - logSum };
  }
  // Rounding left a sliver of mass: the last valid action takes it.
  return { action: last, logProb: logits[last]! - logSum };
}

/** Log-probability of `action` under float32 logits and `mask`. */
export function logProbMasked(logits: Float32Array, mask: Uint8Array, action: number): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let a = 0; a < logits.length; a++) if (mask[a] === 1 && logits[a]! > max) max = logits[a]!;
  let sum = 0;
  for (let a = 0; a < logits.length; a++) if (mask[a] === 1) sum += Math.exp(logits[a]! - max);
  return logits[action]! - max - Math.log(sum);
}

/** Index of the largest valid logit. */
export function argmaxMasked(logits: Float32Array, mask: Uint8Array): number {
  let best = -1;
  for (let a = 0; a < logits.length; a++)
    if (mask[a] === 1 && (best < 0 || logits[a]! > logits[best]!)) best = a;
  if (best < 0) throw new Error('argmaxMasked: the mask allows no action');
  return best;
}
