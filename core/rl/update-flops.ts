/**
 * The matMul FLOPs of PPO's forward and backward passes for a policy shape, counted from the layer sizes (a
 * multiply-add is 2 FLOPs; bias adds, activations and the loss are left out: they are O(width), not O(width²)).
 * Per sample and epoch: the forward pass x·W of every layer, dW = xᵀ·dy of every layer, and dx = dy·Wᵀ of every
 * layer but the first (the observations need no gradient).
 */
import type { PolicyShape } from './policy.js';

export interface MatMulShape {
  /** [m, k] · [k, n]. */
  readonly m: number;
  readonly k: number;
  readonly n: number;
  /** FLOPs of this product (2·m·k·n). */
  readonly flops: number;
}

export interface UpdateFlops {
  /** Forward pass of both networks for one sample (a rollout decision). */
  readonly forwardPerSample: number;
  /** Forward + backward for one sample in one epoch. */
  readonly perSampleEpoch: number;
  /** Every matMul of one minibatch of `batch` samples. */
  matMulShapes(batch: number): MatMulShape[];
}

/** Layer sizes [in, out] of one MLP: hidden layers, then the head. */
function layers(obsSize: number, hidden: readonly number[], outSize: number): [number, number][] {
  const sizes = [obsSize, ...hidden, outSize];
  return sizes.slice(1).map((out, i) => [sizes[i]!, out]);
}

export function updateFlops(shape: PolicyShape): UpdateFlops {
  const nets = [
    layers(shape.obsSize, shape.netArch.pi, shape.actionCount),
    layers(shape.obsSize, shape.netArch.vf, 1),
  ];
  let forward = 0;
  let backward = 0;
  for (const net of nets) {
    net.forEach(([i, o], l) => {
      forward += 2 * i * o;
      backward += 2 * i * o * (l === 0 ? 1 : 2);
    });
  }
  return {
    forwardPerSample: forward,
    perSampleEpoch: forward + backward,
    matMulShapes(batch) {
      const out: MatMulShape[] = [];
      const add = (m: number, k: number, n: number) => out.push({ m, k, n, flops: 2 * m * k * n });
      for (const net of nets) {
        net.forEach(([i, o], l) => {
          add(batch, i, o);
          add(i, batch, o);
          if (l > 0) add(batch, o, i);
        });
      }
      return out;
    },
  };
}
