/**
 * The policy's forward pass for collecting with several environments, on migflow's kernels (mlp-kernels.ts): one
 * call per layer for all environments' observations, with the weights packed once per update, in the same float
 * order and tanh as the multi-environment update's forward pass. Through tfjs a batch of a few rows was all per-op
 * overhead (tensor allocations, a dataSync per network). One environment keeps `ActorCriticPolicy.act`, bit for bit.
 *
 * A decision needs only the actor. The critic's values of the stored observations are needed only when the rollout
 * ends (GAE) or is saved, and the weights do not change within a rollout, so the trainer asks for them then, in
 * batches of up to `VALUE_BATCH` rows (`values`): at two rows per step the critic's 1.4 MB of weights streamed from
 * memory for four multiply-adds per weight; in batches it runs at the matrix kernels' speed. Every output is the same
 * float sum in the same order whatever the batch (mlp.c computes each element alone), so the values are bit for bit
 * those the per-step pass gave.
 */
import { sampleMasked } from './masked-categorical.js';
import { createKernelMemory, Kernels, MemoryPlan, MlpRunner, planMlp, planStack } from './mlp-kernels.js';
import type { PolicyShape } from './policy.js';
import { type PolicyPacking, packPolicy, policyLayers, policyPacking } from './ppo-gradients.js';

/** Rows per batch of the critic's pass over stored observations (the update's minibatch size by default). */
export const VALUE_BATCH = 256;

export class RolloutForward {
  private readonly kernels: Kernels;
  private readonly pi: MlpRunner;
  private readonly vf: MlpRunner;
  private readonly packing: PolicyPacking;
  private readonly flatAt: number;
  private readonly packedAt: number;
  private readonly flat: Float32Array;

  /** For decisions on up to `maxRows` observations (one per environment). */
  constructor(
    readonly shape: PolicyShape,
    readonly maxRows: number,
  ) {
    const layers = policyLayers(shape);
    this.packing = policyPacking(shape);
    const plan = new MemoryPlan();
    this.flatAt = plan.floats(this.packing.flatCount);
    this.packedAt = plan.floats(this.packing.packedCount);
    const pi = planMlp(plan, layers.pi, maxRows);
    const vf = planMlp(plan, layers.vf, Math.max(maxRows, VALUE_BATCH));
    const stack = planStack(plan);
    this.kernels = new Kernels(createKernelMemory(plan.bytes), stack);
    this.flat = this.kernels.view(this.flatAt, this.packing.flatCount);
    this.pi = new MlpRunner(this.kernels, pi);
    this.vf = new MlpRunner(this.kernels, vf);
  }

  /** Takes the policy's flat weight vector (`namedVariables` order). */
  load(flat: Float32Array): void {
    this.flat.set(flat);
    packPolicy(this.kernels, this.packing, this.flatAt, this.packedAt);
    this.pi.useWeights(this.packedAt, false);
    this.vf.useWeights(this.packedAt + 4 * this.packing.pi.packedCount, false);
  }

  private run(net: MlpRunner, obs: Float32Array, n: number, from = 0): Float32Array {
    const size = this.shape.obsSize;
    net.input.set(obs.subarray(from * size, (from + n) * size));
    net.forward(n);
    return net.output;
  }

  /** One decision for each of `n` environments, without the critic (its values come later: `values`). */
  decide(
    obs: Float32Array,
    masks: Uint8Array,
    n: number,
    draws: ArrayLike<number>,
    out: { actions: Int32Array; logProbs: Float32Array },
  ): void {
    const a = this.shape.actionCount;
    const logits = this.run(this.pi, obs, n);
    for (let e = 0; e < n; e++) {
      const { action, logProb } = sampleMasked(
        logits.subarray(e * a, (e + 1) * a),
        masks.subarray(e * a, (e + 1) * a),
        draws[e]!,
      );
      out.actions[e] = action;
      out.logProbs[e] = logProb;
    }
  }

  /** One decision for each of `n` environments and their values (as `ActorCriticPolicy.actBatch`). */
  actBatch(
    obs: Float32Array,
    masks: Uint8Array,
    n: number,
    draws: ArrayLike<number>,
    out: { actions: Int32Array; values: Float32Array; logProbs: Float32Array },
  ): void {
    this.decide(obs, masks, n, draws, out);
    out.values.set(this.run(this.vf, obs, n).subarray(0, n));
  }

  /** Values of `n` observations. */
  predictValues(obs: Float32Array, n: number): Float32Array {
    return this.run(this.vf, obs, n).slice(0, n);
  }

  /** Values of the observation rows [from, to) of `obs` (row-major) into `out[from … to)`, in batches. */
  values(obs: Float32Array, from: number, to: number, out: Float32Array): void {
    const rows = Math.max(this.maxRows, VALUE_BATCH);
    for (let start = from; start < to; start += rows) {
      const n = Math.min(rows, to - start);
      out.set(this.run(this.vf, obs, n, start).subarray(0, n), start);
    }
  }

  dispose(): void {}
}
