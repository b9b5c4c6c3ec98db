/**
 * Adam over one flat float32 parameter vector for the parallel update (several environments), fused with the
 * gradient-norm clip. The work splits by parameter range: once the ranges' gradient sums of squares give the global
 * norm, each worker thread clips and steps its own range (the `adam_step` kernel of core/rl/kernels/mlp.c, float32
 * with the one-environment optimiser's formula and order, `adam.ts`); the result does not depend on who runs which
 * range.
 */
import type { AdamOptions } from './adam.js';
import type { AdamKernelScalars } from './mlp-kernels.js';

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

/** The scalar arguments of the `adam_step` kernel for a step: float32 constants as adam.ts derives them. */
export function adamKernelArgs(step: AdamStep, options: AdamOptions): AdamKernelScalars {
  const { beta1, beta2, epsilon } = options;
  return [
    step.coef,
    beta1,
    beta2,
    1 - beta1,
    1 - beta2,
    step.learningRate / (1 - beta1 ** step.iteration),
    Math.sqrt(1 - beta2 ** step.iteration),
    epsilon,
  ];
}

/** Contiguous near-equal parameter ranges, one per worker. */
export function parameterRange(size: number, part: number, parts: number): [number, number] {
  return [Math.floor((size * part) / parts), Math.floor((size * (part + 1)) / parts)];
}

/** The optimiser state: moments (views of the update's shared memory) and the step count. */
export class FlatAdam {
  /** Steps taken (PyTorch's `step`). */
  iterations = 0;

  constructor(
    readonly m: Float32Array,
    readonly v: Float32Array,
    readonly options: AdamOptions,
  ) {}
}
