/**
 * Adam exactly as PyTorch's `torch.optim.Adam` computes it (the optimiser SB3 uses, with eps 1e-5 for PPO), over
 * tfjs variables. Written out instead of using `tf.train.adam` so the learning rate can follow a schedule and the
 * moments and step count can be saved in a checkpoint and restored bit for bit.
 */
import * as tf from '@tensorflow/tfjs';

export interface AdamOptions {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
}

/** SB3's PPO optimiser settings. */
export const SB3_ADAM: AdamOptions = { beta1: 0.9, beta2: 0.999, epsilon: 1e-5 };

export class Adam {
  readonly m: tf.Variable[];
  readonly v: tf.Variable[];
  /** Steps taken (PyTorch's `step`). */
  iterations = 0;

  constructor(
    readonly params: readonly tf.Variable[],
    readonly options: AdamOptions = SB3_ADAM,
  ) {
    // tidy: the zero tensors the variables are made from would otherwise stay allocated.
    this.m = params.map((p) => tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
    this.v = params.map((p) => tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
  }

  /** One update with gradients in `params` order. */
  step(grads: readonly tf.Tensor[], learningRate: number): void {
    this.iterations++;
    const { beta1, beta2, epsilon } = this.options;
    const bc1 = 1 - beta1 ** this.iterations;
    const bc2Sqrt = Math.sqrt(1 - beta2 ** this.iterations);
    const stepSize = learningRate / bc1;
    tf.tidy(() => {
      this.params.forEach((p, i) => {
        const g = grads[i]!;
        const m = tf.add(tf.mul(this.m[i]!, beta1), tf.mul(g, 1 - beta1));
        const v = tf.add(tf.mul(this.v[i]!, beta2), tf.mul(tf.square(g), 1 - beta2));
        this.m[i]!.assign(m);
        this.v[i]!.assign(v);
        const denom = tf.add(tf.div(tf.sqrt(v), bc2Sqrt), epsilon);
        p.assign(tf.sub(p, tf.mul(tf.div(m, denom), stepSize)));
      });
    });
  }

  dispose(): void {
    for (const t of [...this.m, ...this.v]) t.dispose();
  }
}

/**
 * Scales gradients so their global L2 norm is at most `maxNorm` (torch.nn.utils.clip_grad_norm_); returns the
 * scaled gradients (new tensors) and the norm before clipping.
 */
export function clipByGlobalNorm(
  grads: readonly tf.Tensor[],
  maxNorm: number,
): { grads: tf.Tensor[]; norm: number } {
  const norm = tf.tidy(() => Math.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g)))).dataSync()[0]!));
  const coef = maxNorm / (norm + 1e-6);
  if (coef >= 1) return { grads: grads.map((g) => g.clone()), norm };
  return { grads: grads.map((g) => tf.mul(g, coef)), norm };
}
