/**
 * The gradient of the PPO loss on one shard of a minibatch, written out by hand instead of through tfjs's tape:
 * the data-parallel update (several environments) splits every minibatch across worker threads, each computes
 * the gradient of its samples' share of the minibatch loss, and the shares are summed. The loss is SB3's
 * (`ppo.ts` `ppoLoss`): clipped surrogate, value loss with the value clip, masked entropy. Everything runs on
 * migflow's WebAssembly kernels (mlp-kernels.ts: float32 matrix products in the same order as XNNPACK's, tanh within
 * 2 ulp, its derivative 1 − tanh²; the actor's per-sample loss terms and logit gradient in float32 with their sums in
 * double) but the critic's value loss, one number per sample, which stays in JS.
 *
 * Sums over the shard are divided by the whole minibatch's size, so the shards' gradients add up to the
 * minibatch mean's gradient. Advantages arrive normalised over the whole minibatch. This path changes float
 * rounding against tfjs (tanh is computed differently), so only the multi-environment update uses it (one
 * environment keeps the tape-based `ppoUpdate`, bit for bit).
 */
import {
  createKernelMemory,
  Kernels,
  MemoryPlan,
  type MlpPlan,
  MlpRunner,
  mlpLayers,
  type PackedLayout,
  packedLayout,
  packParameters,
  planMlp,
  planStack,
  unpackParameters,
} from './mlp-kernels.js';
import type { PolicyShape } from './policy.js';

/** One shard's samples, gathered into contiguous arrays. */
export interface ShardBatch {
  readonly n: number;
  /** Row-major [n][obsSize]. */
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

/** Which network a shard works on: the actor, the critic, or both (their losses and weights are separate). */
export type PolicyPart = 'pi' | 'vf' | 'both';

/** The layers of the policy's actor and critic MLPs. */
export function policyLayers(shape: PolicyShape): { pi: [number, number][]; vf: [number, number][] } {
  return {
    pi: mlpLayers(shape.obsSize, shape.netArch.pi, shape.actionCount),
    vf: mlpLayers(shape.obsSize, shape.netArch.vf, 1),
  };
}

/**
 * The policy's parameters in the flat order (`namedVariables`: the actor's, then the critic's) and in the packed order
 * of the kernels (likewise the actor's first), with each network's share.
 */
export interface PolicyPacking {
  readonly pi: PackedLayout;
  readonly vf: PackedLayout;
  readonly flatCount: number;
  readonly packedCount: number;
}

export function policyPacking(shape: PolicyShape): PolicyPacking {
  const layers = policyLayers(shape);
  const pi = packedLayout(layers.pi);
  const vf = packedLayout(layers.vf);
  return { pi, vf, flatCount: pi.flatCount + vf.flatCount, packedCount: pi.packedCount + vf.packedCount };
}

/** Parameters of the actor: the first part of the flat vector (the critic's follow). */
export function actorParameterCount(shape: PolicyShape): number {
  return policyPacking(shape).pi.flatCount;
}

/** The flat vector at byte offset `flatAt` → packed at `packedAt`, both networks. */
export function packPolicy(kernels: Kernels, p: PolicyPacking, flatAt: number, packedAt: number): void {
  packParameters(kernels, p.pi, flatAt, packedAt);
  packParameters(kernels, p.vf, flatAt + 4 * p.pi.flatCount, packedAt + 4 * p.pi.packedCount);
}

/** The packed vector at `packedAt` → flat at `flatAt`, both networks. */
export function unpackPolicy(kernels: Kernels, p: PolicyPacking, packedAt: number, flatAt: number): void {
  unpackParameters(kernels, p.pi, packedAt, flatAt);
  unpackParameters(kernels, p.vf, packedAt + 4 * p.pi.packedCount, flatAt + 4 * p.pi.flatCount);
}

/** Byte offsets of a shard's samples in the kernel memory (all but the observations: those go to the inputs). */
interface ShardBatchPlan {
  readonly masks: number;
  readonly actions: number;
  readonly oldLogProb: number;
  readonly oldValues: number;
  readonly advantages: number;
  readonly returns: number;
  /** The policy loss kernel's sums (doubles). */
  readonly stats: number;
}

/** The workspaces one shard needs in a kernel memory. */
export interface ShardNetworkPlans {
  readonly pi?: MlpPlan;
  readonly vf?: MlpPlan;
  readonly batch: ShardBatchPlan;
  readonly maxRows: number;
  readonly stackTop: number;
}

export function planShardNetworks(
  plan: MemoryPlan,
  shape: PolicyShape,
  part: PolicyPart,
  maxRows: number,
): ShardNetworkPlans {
  const layers = policyLayers(shape);
  return {
    ...(part === 'vf' ? {} : { pi: planMlp(plan, layers.pi, maxRows) }),
    ...(part === 'pi' ? {} : { vf: planMlp(plan, layers.vf, maxRows) }),
    batch: {
      masks: plan.take(maxRows * shape.actionCount),
      actions: plan.floats(maxRows),
      oldLogProb: plan.floats(maxRows),
      oldValues: plan.floats(maxRows),
      advantages: plan.floats(maxRows),
      returns: plan.floats(maxRows),
      stats: plan.take(8 * SHARD_STAT_COUNT),
    },
    maxRows,
    stackTop: planStack(plan),
  };
}

/** A shard's networks on the kernels, in this thread, and its samples (`batch`, to be filled by the caller). */
export interface ShardNetworks {
  readonly kernels: Kernels;
  readonly pi?: MlpRunner;
  readonly vf?: MlpRunner;
  readonly batchAt: ShardBatchPlan;
  /** Views of the samples for up to `maxRows` rows; `obs` is the first network's input. */
  readonly batch: Omit<ShardBatch, 'n'>;
}

export function shardNetworks(memory: WebAssembly.Memory, plans: ShardNetworkPlans): ShardNetworks {
  const kernels = new Kernels(memory, plans.stackTop);
  const pi = plans.pi ? new MlpRunner(kernels, plans.pi) : undefined;
  const vf = plans.vf ? new MlpRunner(kernels, plans.vf) : undefined;
  const at = plans.batch;
  const rows = plans.maxRows;
  const buffer = memory.buffer;
  return {
    kernels,
    ...(pi ? { pi } : {}),
    ...(vf ? { vf } : {}),
    batchAt: at,
    batch: {
      obs: (pi ?? vf)!.input,
      masks: new Uint8Array(buffer, at.masks, at.actions - at.masks),
      actions: new Int32Array(buffer, at.actions, rows),
      oldLogProb: kernels.view(at.oldLogProb, rows),
      oldValues: kernels.view(at.oldValues, rows),
      advantages: kernels.view(at.advantages, rows),
      returns: kernels.view(at.returns, rows),
    },
  };
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
 * The gradient of the shard's share of the minibatch loss with respect to the weights of `part`, for the first `n`
 * samples in `nets.batch`, the packed weights at byte offset `weightsAt` of the networks' kernel memory, written
 * packed to `gradsAt` (the other network's range is left alone); the loss sums go to `stats` (SHARD_STAT_COUNT
 * values, zero for the other network's terms). The actor's loss and its gradient come from the `policy_loss`
 * kernel (float32, its sums in double), the critic's from `valueLossGradients`. Returns the gradient's sum of
 * squares. `n` must be at least 1.
 */
export function ppoShardGradients(
  nets: ShardNetworks,
  packing: PolicyPacking,
  actionCount: number,
  weightsAt: number,
  gradsAt: number,
  n: number,
  hp: ShardLossParams,
  total: number,
  stats: Float64Array,
  part: PolicyPart,
  /** Whether the networks' Wᵀ are already those of these weights (`MlpRunner.stepAdam` wrote them). */
  transposed = false,
): number {
  const actorBytes = 4 * packing.pi.packedCount;
  const b = { n, ...nets.batch };
  stats.fill(0);
  const run = (net: MlpRunner | undefined, at: number, grads: number, loss: (n: MlpRunner) => void) => {
    if (!net) throw new Error(`ppoShardGradients: this shard has no workspace for ${part}`);
    if (b.obs !== net.input) net.input.set(b.obs.subarray(0, n * net.inSize));
    net.useWeights(at, true, transposed);
    net.forward(n);
    loss(net);
    return net.backward(grads);
  };
  let sumSq = 0;
  if (part !== 'vf')
    sumSq += run(nets.pi, weightsAt, gradsAt, (net) => {
      const at = nets.batchAt;
      nets.kernels.x.policy_loss(
        n,
        actionCount,
        net.plan.output,
        at.masks,
        at.actions,
        at.oldLogProb,
        at.advantages,
        hp.clipRange,
        hp.entCoef,
        1 / total,
        net.plan.dOutput,
        at.stats,
      );
      const sums = new Float64Array(nets.kernels.memory.buffer, at.stats, SHARD_STAT_COUNT);
      for (const k of [0, 2, 3, 4]) stats[k] = sums[k]!;
    });
  if (part !== 'pi')
    sumSq += run(nets.vf, weightsAt + actorBytes, gradsAt + actorBytes, (net) =>
      valueLossGradients(net.output, b, hp, total, net.dOutput, stats),
    );
  return sumSq;
}

/**
 * `ppoShardGradients` for the flat `weights` and the samples `b` on a kernel memory of its own, the gradient
 * unpacked into `gradOut`'s range of `part` (tests and one-off use; the update keeps its memory).
 */
export function ppoShardGradientsOnce(
  shape: PolicyShape,
  weights: Float32Array,
  b: ShardBatch,
  hp: ShardLossParams,
  total: number,
  gradOut: Float32Array,
  stats: Float64Array,
  part: PolicyPart = 'both',
): void {
  const packing = policyPacking(shape);
  const plan = new MemoryPlan();
  const flatAt = plan.floats(packing.flatCount);
  const packedAt = plan.floats(packing.packedCount);
  const gradsAt = plan.floats(packing.packedCount);
  const plans = planShardNetworks(plan, shape, part, b.n);
  const nets = shardNetworks(createKernelMemory(plan.bytes), plans);
  const flat = nets.kernels.view(flatAt, packing.flatCount);
  flat.set(weights);
  packPolicy(nets.kernels, packing, flatAt, packedAt);
  const { n } = b;
  const into = nets.batch;
  into.obs.set(b.obs.subarray(0, n * shape.obsSize));
  into.masks.set(b.masks.subarray(0, n * shape.actionCount));
  for (const key of ['actions', 'oldLogProb', 'oldValues', 'advantages', 'returns'] as const)
    into[key].set(b[key].subarray(0, n));
  if (nets.pi && nets.vf) nets.vf.input.set(nets.pi.input);
  ppoShardGradients(nets, packing, shape.actionCount, packedAt, gradsAt, n, hp, total, stats, part);
  unpackPolicy(nets.kernels, packing, gradsAt, flatAt);
  const actor = packing.pi.flatCount;
  const [from, to] =
    part === 'pi' ? [0, actor] : part === 'vf' ? [actor, packing.flatCount] : [0, packing.flatCount];
  gradOut.set(flat.subarray(from, to), from);
}
