/**
 * The gradient of the PPO loss on one shard of a minibatch, written out by hand instead of through tfjs's tape:
 * the data-parallel update (several environments) splits every minibatch across worker threads, each computes
 * the gradient of its samples' share of the minibatch loss, and the shares are summed. The loss is SB3's
 * (`ppo.ts` `ppoLoss`): clipped surrogate, value loss with the value clip, masked entropy; its per-sample terms
 * and their derivatives with respect to logits and value are computed in double precision in JS (a minibatch has a
 * few thousand logits), the MLPs' forward and backward passes in tfjs (matMuls on XNNPACK).
 *
 * Sums over the shard are divided by the whole minibatch's size, so the shards' gradients add up to the
 * minibatch mean's gradient. Advantages arrive normalised over the whole minibatch. tanh is evaluated as
 * 2·sigmoid(2x) − 1, which tfjs-wasm vectorises (its tanh is a scalar libm loop, 13× slower), with its derivative
 * 1 − tanh²: this path changes float rounding, so only the multi-environment update uses it (one environment keeps
 * the tape-based `ppoUpdate`, bit for bit).
 */
import * as tf from '@tensorflow/tfjs';
import type { ActorCriticPolicy } from './policy.js';

/** One shard's samples, gathered into contiguous arrays. */
export interface ShardBatch {
  readonly n: number;
  readonly obs: Float32Array;
  readonly masks: Uint8Array;
  readonly actions: Int32Array;
  readonly oldLogProb: Float32Array;
  readonly oldValues: Float32Array;
  /** Already normalised over the whole minibatch (when advantage normalisation is on). */
  readonly advantages: Float32Array;
  readonly returns: Float32Array;
}

export interface ShardLossParams {
  readonly clipRange: number;
  readonly clipRangeVf?: number;
  readonly entCoef: number;
  readonly vfCoef: number;
}

/** Per-shard sums written to `stats`: surrogate loss, value loss, entropy, approx KL, clipped count. */
export const SHARD_STAT_COUNT = 5;

interface Layer {
  readonly kernel: tf.Variable;
  readonly bias: tf.Variable;
}

function fastTanh(a: tf.Tensor2D): tf.Tensor2D {
  return tf.sub(tf.mul(tf.sigmoid(tf.mul(a, 2)), 2), 1) as tf.Tensor2D;
}

/** Hidden activations and the output of one MLP. */
function forward(
  x: tf.Tensor2D,
  hidden: readonly Layer[],
  head: Layer,
): { hs: tf.Tensor2D[]; out: tf.Tensor2D } {
  const hs: tf.Tensor2D[] = [];
  let h = x;
  for (const l of hidden) {
    h = fastTanh(tf.add(tf.matMul(h, l.kernel as tf.Tensor2D), l.bias) as tf.Tensor2D);
    hs.push(h);
  }
  return { hs, out: tf.add(tf.matMul(h, head.kernel as tf.Tensor2D), head.bias) as tf.Tensor2D };
}

/** Gradients [kernel, bias] per layer (hidden first, head last) from the gradient at the output. */
function backward(
  x: tf.Tensor2D,
  hs: readonly tf.Tensor2D[],
  layers: readonly Layer[],
  dOut: tf.Tensor2D,
): tf.Tensor[] {
  const grads: tf.Tensor[] = new Array(layers.length * 2);
  let d = dOut;
  for (let l = layers.length - 1; l >= 0; l--) {
    const input = l === 0 ? x : hs[l - 1]!;
    grads[2 * l] = tf.matMul(tf.transpose(input), d);
    grads[2 * l + 1] = tf.sum(d, 0);
    if (l > 0) {
      const h = hs[l - 1]!;
      const dh = tf.matMul(d, tf.transpose(layers[l]!.kernel as tf.Tensor2D));
      d = tf.mul(dh, tf.sub(1, tf.square(h))) as tf.Tensor2D;
    }
  }
  return grads;
}

/** Which network a shard works on: the actor, the critic, or both (their losses and weights are separate). */
export type PolicyPart = 'pi' | 'vf' | 'both';

/**
 * The actor's loss terms of the shard (surrogate, entropy, approx KL and clipped count summed into `stats` 0, 2, 3
 * and 4) and their gradient with respect to the logits ([n, A]), divided by `total` (the whole minibatch's size).
 */
export function policyLossGradients(
  logits: Float32Array,
  b: ShardBatch,
  actionCount: number,
  hp: ShardLossParams,
  total: number,
  dLogits: Float32Array,
  stats: Float64Array,
): void {
  let pg = 0;
  let ent = 0;
  let kl = 0;
  let clipped = 0;
  const probs = new Float64Array(actionCount);
  const logps = new Float64Array(actionCount);
  for (let i = 0; i < b.n; i++) {
    const row = i * actionCount;
    let max = Number.NEGATIVE_INFINITY;
    for (let a = 0; a < actionCount; a++)
      if (b.masks[row + a] === 1 && logits[row + a]! > max) max = logits[row + a]!;
    let sum = 0;
    for (let a = 0; a < actionCount; a++) if (b.masks[row + a] === 1) sum += Math.exp(logits[row + a]! - max);
    const lse = max + Math.log(sum);
    let entropy = 0;
    for (let a = 0; a < actionCount; a++) {
      if (b.masks[row + a] === 1) {
        logps[a] = logits[row + a]! - lse;
        probs[a] = Math.exp(logps[a]!);
        entropy -= probs[a]! * logps[a]!;
      } else {
        logps[a] = 0;
        probs[a] = 0;
      }
    }
    const action = b.actions[i]!;
    const logRatio = logps[action]! - b.oldLogProb[i]!;
    const ratio = Math.exp(logRatio);
    const adv = b.advantages[i]!;
    const s1 = adv * ratio;
    const s2 = adv * Math.min(1 + hp.clipRange, Math.max(1 - hp.clipRange, ratio));
    pg -= Math.min(s1, s2);
    ent += entropy;
    kl += ratio - 1 - logRatio;
    if (Math.abs(ratio - 1) > hp.clipRange) clipped++;
    // d(−min(s1, s2))/d logp_a: through s1 (as tfjs's minimum picks the first on ties); the clipped branch is flat.
    const gLogpA = s1 <= s2 ? (-adv * ratio) / total : 0;
    // Entropy loss −mean(H): dH/dz_j = −p_j (log p_j + H) over valid actions.
    for (let a = 0; a < actionCount; a++) {
      if (b.masks[row + a] !== 1) {
        dLogits[row + a] = 0;
        continue;
      }
      const p = probs[a]!;
      const dLogp = gLogpA * ((a === action ? 1 : 0) - p);
      const dEnt = (hp.entCoef * p * (logps[a]! + entropy)) / total;
      dLogits[row + a] = dLogp + dEnt;
    }
  }
  stats[0] = pg;
  stats[2] = ent;
  stats[3] = kl;
  stats[4] = clipped;
}

/**
 * The critic's loss term of the shard (squared error after the value clip, summed into `stats[1]`) and its
 * gradient with respect to the values ([n]), divided by `total` and weighted by vf_coef.
 */
export function valueLossGradients(
  values: Float32Array,
  b: ShardBatch,
  hp: ShardLossParams,
  total: number,
  dValues: Float32Array,
  stats: Float64Array,
): void {
  let vl = 0;
  for (let i = 0; i < b.n; i++) {
    const v = values[i]!;
    const old = b.oldValues[i]!;
    let pred = v;
    let passes = true;
    if (hp.clipRangeVf !== undefined) {
      const diff = v - old;
      // tfjs's clipByValue passes the gradient on the closed interval.
      passes = diff >= -hp.clipRangeVf && diff <= hp.clipRangeVf;
      pred = old + Math.min(hp.clipRangeVf, Math.max(-hp.clipRangeVf, diff));
    }
    const err = b.returns[i]! - pred;
    vl += err * err;
    dValues[i] = passes ? (hp.vfCoef * -2 * err) / total : 0;
  }
  stats[1] = vl;
}

/**
 * The gradient of the shard's share of the minibatch loss with respect to the weights of `part` of `policy`,
 * written into `gradOut` (flat, `namedVariables` order; the other network's range is left alone); the loss sums go
 * to `stats` (SHARD_STAT_COUNT values, zero for the other network's terms).
 */
export function ppoShardGradients(
  policy: ActorCriticPolicy,
  b: ShardBatch,
  hp: ShardLossParams,
  total: number,
  gradOut: Float32Array,
  stats: Float64Array,
  part: PolicyPart = 'both',
): void {
  const { obsSize, actionCount } = policy.shape;
  stats.fill(0);
  const piSize = [...policy.piHidden, policy.piHead].reduce((n, l) => n + l.kernel.size + l.bias.size, 0);
  tf.tidy(() => {
    const x = tf.tensor2d(b.obs.subarray(0, b.n * obsSize), [b.n, obsSize]);
    const write = (grads: tf.Tensor[], offset: number) => {
      let o = offset;
      for (const g of grads) {
        gradOut.set(g.dataSync() as Float32Array, o);
        o += g.size;
      }
    };
    if (part !== 'vf') {
      const pi = forward(x, policy.piHidden, policy.piHead);
      const dLogits = new Float32Array(b.n * actionCount);
      policyLossGradients(pi.out.dataSync() as Float32Array, b, actionCount, hp, total, dLogits, stats);
      const layers = [...policy.piHidden, policy.piHead];
      write(backward(x, pi.hs, layers, tf.tensor2d(dLogits, [b.n, actionCount])), 0);
    }
    if (part !== 'pi') {
      const vf = forward(x, policy.vfHidden, policy.vfHead);
      const dValues = new Float32Array(b.n);
      valueLossGradients(vf.out.dataSync() as Float32Array, b, hp, total, dValues, stats);
      write(backward(x, vf.hs, [...policy.vfHidden, policy.vfHead], tf.tensor2d(dValues, [b.n, 1])), piSize);
    }
  });
}
