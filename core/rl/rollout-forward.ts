/**
 * The policy's forward pass for collecting with several environments, on migflow's kernels (mlp-kernels.ts): one
 * call per layer for all environments' observations, with the weights packed once per update, in the same float
 * order and tanh as the multi-environment update's forward pass. Through tfjs a batch of a few rows was all per-op
 * overhead (tensor allocations, a dataSync per network). One environment keeps `ActorCriticPolicy.act`, bit for bit.
 */
import { sampleMasked } from './masked-categorical.js';
import { createKernelMemory, Kernels, MemoryPlan, MlpRunner, planMlp, planStack } from './mlp-kernels.js';
import type { PolicyShape } from './policy.js';
import { type PolicyPacking, packPolicy, policyLayers, policyPacking } from './ppo-gradients.js';

export class RolloutForward {
  private readonly kernels: Kernels;
  private readonly pi: MlpRunner;
  private readonly vf: MlpRunner;
  private readonly packing: PolicyPacking;
  private readonly flatAt: number;
  private readonly packedAt: number;
  private readonly flat: Float32Array;

  /** For batches of up to `maxRows` observations (one per environment). */
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
    const vf = planMlp(plan, layers.vf, maxRows);
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

  private run(net: MlpRunner, obs: Float32Array, n: number): Float32Array {
    net.input.set(obs.subarray(0, n * this.shape.obsSize));
    net.forward(n);
    return net.output;
  }

  /** One decision for each of `n` environments (as `ActorCriticPolicy.actBatch`). */
  actBatch(
    obs: Float32Array,
    masks: Uint8Array,
    n: number,
    draws: ArrayLike<number>,
    out: { actions: Int32Array; values: Float32Array; logProbs: Float32Array },
  ): void {
    const a = this.shape.actionCount;
    const logits = this.run(this.pi, obs, n);
    const values = this.run(this.vf, obs, n);
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
    return this.run(this.vf, obs, n).slice(0, n);
  }

  dispose(): void {}
}
