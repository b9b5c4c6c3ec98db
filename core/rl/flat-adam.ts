/**
 * PyTorch's Adam (as `adam.ts`) over one flat float32 parameter vector in plain JavaScript, fused with the
 * gradient-norm clip: one pass computes the clipped gradient, both moments and the new weights, in double
 * precision per element, stored as float32. The data-parallel update (several environments) runs it on the summed
 * gradient shards; it needs no tfjs, so the weights can live in shared memory that worker threads read.
 */
import type { AdamOptions } from './adam.js';

export class FlatAdam {
  readonly m: Float32Array;
  readonly v: Float32Array;
  /** Steps taken (PyTorch's `step`). */
  iterations = 0;

  constructor(
    readonly size: number,
    readonly options: AdamOptions,
  ) {
    this.m = new Float32Array(size);
    this.v = new Float32Array(size);
  }

  /**
   * Sums `shards` (gradient vectors of equal length, added in order), returns the global L2 norm of the sum
   * (before clipping), and — when it is finite — scales the sum to norm ≤ `maxNorm` (torch's clip_grad_norm_:
   * coefficient maxNorm / (norm + 1e-6) when below 1) and takes one Adam step on `params`.
   */
  step(params: Float32Array, shards: readonly Float32Array[], maxNorm: number, learningRate: number): number {
    const n = this.size;
    let sumSq = 0;
    const sum = shards.length === 1 ? shards[0]! : new Float32Array(n);
    if (shards.length > 1) {
      for (let i = 0; i < n; i++) {
        let g = 0;
        for (const s of shards) g += s[i]!;
        sum[i] = g;
      }
    }
    for (let i = 0; i < n; i++) sumSq += sum[i]! * sum[i]!;
    const norm = Math.sqrt(sumSq);
    if (!Number.isFinite(norm)) return norm;
    const coef = Math.min(1, maxNorm / (norm + 1e-6));
    this.iterations++;
    const { beta1, beta2, epsilon } = this.options;
    const bc2Sqrt = Math.sqrt(1 - beta2 ** this.iterations);
    const stepSize = learningRate / (1 - beta1 ** this.iterations);
    const { m, v } = this;
    for (let i = 0; i < n; i++) {
      const g = sum[i]! * coef;
      const mi = beta1 * m[i]! + (1 - beta1) * g;
      const vi = beta2 * v[i]! + (1 - beta2) * g * g;
      m[i] = mi;
      v[i] = vi;
      params[i] = params[i]! - (stepSize * mi) / (Math.sqrt(vi) / bc2Sqrt + epsilon);
    }
    return norm;
  }
}
