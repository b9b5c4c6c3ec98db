/**
 * PyTorch's Adam (as `adam.ts`) over one flat float32 parameter vector in plain JavaScript, fused with the
 * gradient-norm clip, for the parallel update (several environments). The work splits by parameter range: once the
 * ranges' gradient sums of squares give the global norm, `adamRange` clips and steps one range, so every worker
 * thread steps its own range in parallel; the result does not depend on who runs which range. Values are computed
 * in double precision per element and stored as float32 (a different rounding from the tfjs optimiser of one
 * environment).
 */
import type { AdamOptions } from './adam.js';

/** The clip coefficient of torch's clip_grad_norm_ for a global norm (1 when within `maxNorm`). */
export function clipCoefficient(norm: number, maxNorm: number): number {
  return Math.min(1, maxNorm / (norm + 1e-6));
}

export interface AdamStep {
  /** The gradient's clip coefficient. */
  readonly coef: number;
  readonly learningRate: number;
  /** 1-based step number (after incrementing). */
  readonly iteration: number;
}

/** One Adam step over [from, to) with the (reduced) gradient `g` scaled by the clip coefficient. */
export function adamRange(
  params: Float32Array,
  m: Float32Array,
  v: Float32Array,
  g: Float32Array,
  from: number,
  to: number,
  step: AdamStep,
  options: AdamOptions,
): void {
  const { beta1, beta2, epsilon } = options;
  const invBc2Sqrt = 1 / Math.sqrt(1 - beta2 ** step.iteration);
  const stepSize = step.learningRate / (1 - beta1 ** step.iteration);
  const c1 = (1 - beta1) * step.coef;
  const c2 = (1 - beta2) * step.coef * step.coef;
  for (let i = from; i < to; i++) {
    const gi = g[i]!;
    const mi = beta1 * m[i]! + c1 * gi;
    const vi = beta2 * v[i]! + c2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    params[i] = params[i]! - (stepSize * mi) / (Math.sqrt(vi) * invBc2Sqrt + epsilon);
  }
}

/** Contiguous near-equal parameter ranges, one per worker. */
export function parameterRange(size: number, part: number, parts: number): [number, number] {
  return [Math.floor((size * part) / parts), Math.floor((size * (part + 1)) / parts)];
}

/** The optimiser state: moments (possibly in shared memory) and the step count. */
export class FlatAdam {
  readonly m: Float32Array;
  readonly v: Float32Array;
  /** Steps taken (PyTorch's `step`). */
  iterations = 0;

  constructor(
    readonly size: number,
    readonly options: AdamOptions,
    shared = false,
  ) {
    const floats = () =>
      shared ? new Float32Array(new SharedArrayBuffer(4 * size)) : new Float32Array(size);
    this.m = floats();
    this.v = floats();
  }
}
