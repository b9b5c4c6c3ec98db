/**
 * The policy's forward pass for collecting with several environments, in three fused tfjs ops per network instead
 * of eight: tanh(z) = 2·sigmoid(2z) − 1 lets every hidden layer be one matMul + bias + sigmoid on the previous
 * layer's sigmoid output, with the weights rewritten once per update:
 *
 *   s₁ = σ(x·2W₁ + 2b₁),  sₗ = σ(sₗ₋₁·4Wₗ + 2(bₗ − 1ᵀWₗ)),  out = s_L·2W_H + (b_H − 1ᵀW_H)
 *
 * (1ᵀW is the column sum: (2s − 1)·W = s·2W − 1ᵀW). At a batch of a few environments the pass is all per-op
 * overhead, which this halves. Values differ from the tanh network in the last float bits only; the update's
 * log-probabilities are recomputed anyway. One environment keeps `ActorCriticPolicy.act`, bit for bit.
 */
import * as tf from '@tensorflow/tfjs';
import { sampleMasked } from './masked-categorical.js';
import type { PolicyShape } from './policy.js';

interface FusedLayer {
  readonly kernel: tf.Tensor2D;
  readonly bias: tf.Tensor1D;
}

/** One MLP's layers [in, out] in flat-vector order: hidden layers, then the head. */
function layerSizes(obsSize: number, hidden: readonly number[], out: number): [number, number][] {
  const sizes = [obsSize, ...hidden, out];
  return sizes.slice(1).map((o, i) => [sizes[i]!, o]);
}

function rewrite(flat: Float32Array, offset: number, sizes: readonly [number, number][]): FusedLayer[] {
  let o = offset;
  return sizes.map(([inSize, outSize], l) => {
    const w = flat.subarray(o, o + inSize * outSize);
    o += inSize * outSize;
    const b = flat.subarray(o, o + outSize);
    o += outSize;
    const head = l === sizes.length - 1;
    const first = l === 0;
    const kernel = new Float32Array(inSize * outSize);
    const bias = new Float64Array(outSize);
    // Input scale: 1 for the observations, 2 for a sigmoid output standing in for 2s − 1; output scale: 2 inside σ(2z).
    const inScale = first ? 1 : 2;
    const outScale = head ? 1 : 2;
    for (let j = 0; j < outSize; j++) bias[j] = b[j]!;
    for (let i = 0; i < inSize; i++) {
      for (let j = 0; j < outSize; j++) {
        const x = w[i * outSize + j]!;
        kernel[i * outSize + j] = inScale * outScale * x;
        if (!first) bias[j] = bias[j]! - x;
      }
    }
    return {
      kernel: tf.tensor2d(kernel, [inSize, outSize]),
      bias: tf.tensor1d(Float32Array.from(bias, (x) => outScale * x)),
    };
  });
}

export class RolloutForward {
  private pi: FusedLayer[] = [];
  private vf: FusedLayer[] = [];

  constructor(readonly shape: PolicyShape) {}

  /** Rebuilds the fused weights from the policy's flat weight vector (`namedVariables` order). */
  load(flat: Float32Array): void {
    this.dispose();
    const { obsSize, actionCount, netArch } = this.shape;
    const piSizes = layerSizes(obsSize, netArch.pi, actionCount);
    this.pi = rewrite(flat, 0, piSizes);
    const piCount = piSizes.reduce((n, [i, o]) => n + i * o + o, 0);
    this.vf = rewrite(flat, piCount, layerSizes(obsSize, netArch.vf, 1));
  }

  private static run(x: tf.Tensor2D, layers: readonly FusedLayer[]): tf.Tensor2D {
    let h = x;
    layers.forEach((l, i) => {
      const head = i === layers.length - 1;
      h = tf.fused.matMul({
        a: h,
        b: l.kernel,
        bias: l.bias,
        activation: head ? 'linear' : 'sigmoid',
      }) as tf.Tensor2D;
    });
    return h;
  }

  /** One decision for each of `n` environments (as `ActorCriticPolicy.actBatch`). */
  actBatch(
    obs: Float32Array,
    masks: Uint8Array,
    n: number,
    draws: ArrayLike<number>,
    out: { actions: Int32Array; values: Float32Array; logProbs: Float32Array },
  ): void {
    const { obsSize, actionCount: a } = this.shape;
    const [logits, values] = tf.tidy(() => {
      const x = tf.tensor2d(obs.subarray(0, n * obsSize), [n, obsSize]);
      return [
        RolloutForward.run(x, this.pi).dataSync() as Float32Array,
        RolloutForward.run(x, this.vf).dataSync() as Float32Array,
      ];
    });
    for (let e = 0; e < n; e++) {
      const { action, logProb } = sampleMasked(
        logits.subarray(e * a, (e + 1) * a),
        masks.subarray(e * a, (e + 1) * a),
        draws[e]!,
      );
      out.actions[e] = action;
      out.values[e] = values[e]!;
      out.logProbs[e] = logProb;
    }
  }

  /** Values of `n` observations. */
  predictValues(obs: Float32Array, n: number): Float32Array {
    const { obsSize } = this.shape;
    return tf.tidy(
      () =>
        RolloutForward.run(
          tf.tensor2d(obs.subarray(0, n * obsSize), [n, obsSize]),
          this.vf,
        ).dataSync() as Float32Array,
    );
  }

  dispose(): void {
    for (const l of [...this.pi, ...this.vf]) tf.dispose([l.kernel, l.bias]);
    this.pi = [];
    this.vf = [];
  }
}
