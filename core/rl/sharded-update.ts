/**
 * The PPO update used with several environments, on the worker threads that host them (or in this thread): the
 * actor and the critic have separate weights and separate loss terms, so the workers split first by network —
 * ⌈N/2⌉ work on the actor, ⌊N/2⌋ on the critic — and then, within a network, by contiguous shards of each
 * minibatch's range of the permutation. Each shard computes the gradient of its samples' share of the minibatch-mean
 * loss for its network (`ppo-gradients.ts`) into shared memory. A network with several shards adds them in shard
 * order, each member over its own range of that network's parameters; every member reports its range's sum of
 * squares, this thread turns them into the global norm and torch's clip coefficient, and each member steps Adam over
 * its range of the shared weights and moments (flat-adam.ts). With two environments each network has one worker:
 * no reduction, and the Adam step rides on the next minibatch's message, so a minibatch costs one round trip.
 *
 * Weights, gradients, Adam moments and every shard's workspace live in one shared WebAssembly memory, on which each
 * thread runs migflow's kernels (mlp-kernels.ts): forward and backward passes, reduction and Adam all work in place,
 * with no copies between threads, on the parameters in the kernels' packed order (packed when an update starts,
 * unpacked to the flat order the trainer and checkpoints read when it ends).
 *
 * Deterministic for a given environment count: the permutation, the split and every summation order depend on
 * nothing else, so a run repeats itself exactly, on workers or in-process.
 */
import type { AdamOptions } from './adam.js';
import { type AdamStep, adamKernelArgs, clipCoefficient, FlatAdam, parameterRange } from './flat-adam.js';
import { createKernelMemory, Kernels, MemoryPlan, planStack } from './mlp-kernels.js';
import type { ActorCriticPolicy, PolicyShape } from './policy.js';
import { NonFiniteUpdateError, type PpoHyperParams, type PpoUpdateStats, UpdateLog } from './ppo.js';
import {
  type PolicyPacking,
  type PolicyPart,
  packPolicy,
  planShardNetworks,
  policyPacking,
  ppoShardGradients,
  SHARD_STAT_COUNT,
  type ShardLossParams,
  type ShardNetworkPlans,
  type ShardNetworks,
  shardNetworks,
  unpackPolicy,
} from './ppo-gradients.js';
import type { RolloutBuffer } from './rollout-buffer.js';

/** Memory the updater and every shard share (shared memory, so worker threads see it without copies). */
export interface SharedUpdateMemory {
  readonly shape: PolicyShape;
  /** The parameters in the flat order and in the kernels' packed order (the actor's first in both). */
  readonly packing: PolicyPacking;
  readonly shardCount: number;
  /** Most rows of a minibatch (the batch size, or the rollout when smaller). */
  readonly maxBatch: number;
  /** The kernels' memory: the vectors below and every shard's workspace. */
  readonly kernelMemory: WebAssembly.Memory;
  /**
   * Byte offsets in `kernelMemory`: the flat weights and Adam moments (`namedVariables` order, as the trainer and its
   * checkpoints see them), and their packed copies that an update works on (packed when it starts, unpacked when it
   * ends), with one packed gradient vector per shard.
   */
  readonly at: {
    readonly weights: number;
    readonly adamM: number;
    readonly adamV: number;
    readonly packedWeights: number;
    readonly packedGrads: number;
    readonly packedM: number;
    readonly packedV: number;
  };
  /** Each shard's workspace in `kernelMemory`, and the stack of this thread's kernels (the updater's). */
  readonly workspaces: readonly ShardNetworkPlans[];
  readonly updaterStackTop: number;
  /** The policy's weights, flat in `namedVariables` order (current between updates). */
  readonly weights: Float32Array;
  /** Adam's moments, flat like the weights (current between updates). */
  readonly adamM: Float32Array;
  readonly adamV: Float32Array;
  readonly adamOptions: AdamOptions;
  /** SHARD_STAT_COUNT loss sums per shard. */
  readonly stats: Float64Array;
  /** The current epoch's permutation of the stored transitions. */
  readonly order: Int32Array;
  /** Advantages by permutation position, normalised over their minibatch. */
  readonly advantages: Float32Array;
  readonly observations: Float32Array;
  readonly masks: Uint8Array;
  readonly actions: Int32Array;
  readonly logProbs: Float32Array;
  readonly values: Float32Array;
  readonly returns: Float32Array;
}

/** One minibatch: positions [start, end) of `order`, split over the shards. */
export interface ShardJob {
  readonly start: number;
  readonly end: number;
  readonly loss: ShardLossParams;
  /** The previous minibatch's Adam step, taken first (only for networks with a single shard). */
  readonly adam?: AdamStep;
}

/** What a shard works on. */
export interface ShardRole {
  readonly part: PolicyPart;
  /** Its index among the shards of its network, and their number. */
  readonly member: number;
  readonly members: number;
  /** Its network's parameter range [from, to) in the packed vector, and the first member's shard index. */
  readonly paramFrom: number;
  readonly paramTo: number;
  readonly firstShard: number;
}

/**
 * The role of shard `k` of `count` (actor: the first ⌈count/2⌉; one shard does both networks), with its network's
 * range of the packed parameter vector.
 */
export function shardRole(k: number, count: number, packing: PolicyPacking): ShardRole {
  const all = packing.packedCount;
  const actor = packing.pi.packedCount;
  if (count === 1) return { part: 'both', member: 0, members: 1, paramFrom: 0, paramTo: all, firstShard: 0 };
  const actors = Math.ceil(count / 2);
  return k < actors
    ? { part: 'pi', member: k, members: actors, paramFrom: 0, paramTo: actor, firstShard: 0 }
    : {
        part: 'vf',
        member: k - actors,
        members: count - actors,
        paramFrom: actor,
        paramTo: all,
        firstShard: actors,
      };
}

/** Whether some network has several shards (then gradients are added up in a separate round). */
export function needsReduction(count: number): boolean {
  return count > 2;
}

/** Who computes the shards. */
export interface GradientShards {
  readonly count: number;
  /** Hands every shard the shared memory (once per trainer). */
  attach(memory: SharedUpdateMemory): Promise<void>;
  /**
   * Computes every shard of one minibatch; resolves when all gradients and sums are written, with each shard's
   * gradient sum of squares over its network when it is its network's only shard (else NaN: see `reduce`).
   */
  run(job: ShardJob): Promise<number[]>;
  /** Adds each network's shards, every member over its parameter range; the ranges' sums of squares, in order. */
  reduce(): Promise<number[]>;
  /** The Adam step, every shard over its parameter range. */
  adam(step: AdamStep): Promise<void>;
  close(): Promise<void>;
}

/**
 * The shared memory for `policy` and a rollout buffer allocated with `shared: true`, for minibatches of up to
 * `batchSize` transitions; Adam's moments start at zero.
 */
export function createSharedUpdateMemory(
  policy: ActorCriticPolicy,
  buffer: RolloutBuffer,
  shardCount: number,
  adamOptions: AdamOptions,
  batchSize: number,
): SharedUpdateMemory {
  const packing = policyPacking(policy.shape);
  const capacity = buffer.size * buffer.nEnvs;
  if (!(buffer.observations.buffer instanceof SharedArrayBuffer))
    throw new Error('createSharedUpdateMemory: the rollout buffer must be allocated with shared: true');
  const maxBatch = Math.min(batchSize, capacity);
  const plan = new MemoryPlan();
  const flat = packing.flatCount;
  const packed = packing.packedCount;
  const at = {
    weights: plan.floats(flat),
    adamM: plan.floats(flat),
    adamV: plan.floats(flat),
    packedWeights: plan.floats(packed),
    packedGrads: plan.floats(packed * shardCount),
    packedM: plan.floats(packed),
    packedV: plan.floats(packed),
  };
  const workspaces = Array.from({ length: shardCount }, (_, k) => {
    const role = shardRole(k, shardCount, packing);
    return planShardNetworks(plan, policy.shape, role.part, Math.ceil(maxBatch / role.members));
  });
  const updaterStackTop = planStack(plan);
  const kernelMemory = createKernelMemory(plan.bytes);
  const view = (byteOffset: number, n: number) => new Float32Array(kernelMemory.buffer, byteOffset, n);
  return {
    shape: policy.shape,
    packing,
    shardCount,
    maxBatch,
    kernelMemory,
    at,
    workspaces,
    updaterStackTop,
    weights: policy.readWeights(view(at.weights, flat)),
    adamM: view(at.adamM, flat),
    adamV: view(at.adamV, flat),
    adamOptions,
    stats: new Float64Array(new SharedArrayBuffer(8 * SHARD_STAT_COUNT * shardCount)),
    order: new Int32Array(new SharedArrayBuffer(4 * capacity)),
    advantages: new Float32Array(new SharedArrayBuffer(4 * capacity)),
    observations: buffer.observations,
    masks: buffer.masks,
    actions: buffer.actions,
    logProbs: buffer.logProbs,
    values: buffer.values,
    returns: buffer.returns,
  };
}

/** Shard k's positions [from, to) of a minibatch [start, end) split into `count` contiguous near-equal parts. */
export function shardRange(start: number, end: number, k: number, count: number): [number, number] {
  const n = end - start;
  return [start + Math.floor((n * k) / count), start + Math.floor((n * (k + 1)) / count)];
}

/** One shard's computation: the kernels on the shared memory, reading the weights and writing its gradient. */
export class ShardComputer {
  private readonly nets: ShardNetworks;
  readonly role: ShardRole;
  /** This shard's range of its network's parameters, for the reduction and Adam. */
  private readonly from: number;
  private readonly to: number;
  /** Byte offset of this shard's gradient vector. */
  private readonly gradsAt: number;

  constructor(
    private readonly memory: SharedUpdateMemory,
    private readonly shard: number,
  ) {
    this.nets = shardNetworks(memory.kernelMemory, memory.workspaces[shard]!);
    this.role = shardRole(shard, memory.shardCount, memory.packing);
    const r = this.role;
    const [from, to] = parameterRange(r.paramTo - r.paramFrom, r.member, r.members);
    this.from = r.paramFrom + from;
    this.to = r.paramFrom + to;
    this.gradsAt = memory.at.packedGrads + 4 * shard * memory.packing.packedCount;
  }

  /** The previous step (if any), then this shard's gradient; its network's sum of squares when it is alone. */
  run(job: ShardJob): number {
    if (job.adam) this.adam(job.adam);
    // A network's only shard steps whole layers and writes their Wᵀ as it goes (`adam`).
    const transposed = job.adam !== undefined && this.role.members === 1;
    const m = this.memory;
    const r = this.role;
    const [from, to] = shardRange(job.start, job.end, r.member, r.members);
    const stats = m.stats.subarray(this.shard * SHARD_STAT_COUNT, (this.shard + 1) * SHARD_STAT_COUNT);
    if (to <= from) {
      this.nets.kernels.view(this.gradsAt, m.packing.packedCount).fill(0, r.paramFrom, r.paramTo);
      stats.fill(0);
      return r.members === 1 ? 0 : Number.NaN;
    }
    const sumSq = ppoShardGradients(
      this.nets,
      m.packing,
      m.shape.actionCount,
      m.at.packedWeights,
      this.gradsAt,
      this.gather(from, to),
      job.loss,
      job.end - job.start,
      stats,
      r.part,
      transposed,
    );
    return r.members === 1 ? sumSq : Number.NaN;
  }

  /** Positions [from, to) of the permutation into the shard's sample buffers (observations: the inputs). */
  private gather(from: number, to: number): number {
    const m = this.memory;
    const { obsSize, actionCount } = m.shape;
    const n = to - from;
    const b = this.nets.batch;
    for (let i = 0; i < n; i++) {
      const s = m.order[from + i]!;
      b.obs.set(m.observations.subarray(s * obsSize, (s + 1) * obsSize), i * obsSize);
      b.masks.set(m.masks.subarray(s * actionCount, (s + 1) * actionCount), i * actionCount);
      b.actions[i] = m.actions[s]!;
      b.oldLogProb[i] = m.logProbs[s]!;
      b.oldValues[i] = m.values[s]!;
      b.returns[i] = m.returns[s]!;
    }
    b.advantages.set(m.advantages.subarray(from, to));
    const { pi, vf } = this.nets;
    if (pi && vf) vf.input.set(b.obs.subarray(0, n * obsSize));
    return n;
  }

  /** Adds its network's shards over this shard's parameter range (into the first shard's); the range's sum of squares. */
  reduce(): number {
    const r = this.role;
    const x = this.nets.kernels.x;
    if (r.members === 1) return x.sum_of_squares(this.gradsAt + 4 * this.from, this.to - this.from);
    const m = this.memory;
    const n = m.packing.packedCount;
    const base = m.at.packedGrads + 4 * (r.firstShard * n + this.from);
    return x.sum_shards(base, base, n, r.members, this.to - this.from);
  }

  /**
   * The Adam step over this shard's parameter range, with its network's (reduced) gradient. A network's only shard
   * steps it layer by layer and writes the hidden layers' Wᵀ for the next backward pass from the stepped weights.
   */
  adam(step: AdamStep): void {
    const m = this.memory;
    if (this.role.members === 1) {
      const args = adamKernelArgs(step, m.adamOptions);
      const grads = m.at.packedGrads + 4 * this.role.firstShard * m.packing.packedCount;
      const actorBytes = 4 * m.packing.pi.packedCount;
      for (const [net, o] of [
        [this.nets.pi, 0],
        [this.nets.vf, actorBytes],
      ] as const)
        net?.stepAdam(m.at.packedWeights + o, m.at.packedM + o, m.at.packedV + o, grads + o, args);
      return;
    }
    const o = 4 * this.from;
    this.nets.kernels.x.adam_step(
      m.at.packedWeights + o,
      m.at.packedM + o,
      m.at.packedV + o,
      m.at.packedGrads + 4 * this.role.firstShard * m.packing.packedCount + o,
      this.to - this.from,
      ...adamKernelArgs(step, m.adamOptions),
    );
  }

  dispose(): void {}
}

/** Shards computed one after another in this thread (tests; a vectorised env without workers). */
export class LocalGradientShards implements GradientShards {
  private computers: ShardComputer[] = [];

  constructor(readonly count: number) {}

  async attach(memory: SharedUpdateMemory): Promise<void> {
    this.computers = Array.from({ length: this.count }, (_, k) => new ShardComputer(memory, k));
  }

  async run(job: ShardJob): Promise<number[]> {
    return this.computers.map((c) => c.run(job));
  }

  async reduce(): Promise<number[]> {
    return this.computers.map((c) => c.reduce());
  }

  async adam(step: AdamStep): Promise<void> {
    for (const c of this.computers) c.adam(step);
  }

  async close(): Promise<void> {
    for (const c of this.computers) c.dispose();
    this.computers = [];
  }
}

/** The data-parallel update: shards compute gradients, this thread reduces, clips and steps Adam. */
export class ShardedPpoUpdater {
  /** This thread's kernels, for packing the parameters before an update and unpacking them after. */
  private readonly kernels: Kernels;

  constructor(
    readonly memory: SharedUpdateMemory,
    readonly shards: GradientShards,
    /** The optimiser state; its moments are `memory.adamM`/`adamV`. */
    readonly adam: FlatAdam,
  ) {
    this.kernels = new Kernels(memory.kernelMemory, memory.updaterStackTop);
  }

  /** Copies the flat weights and moments into the packed vectors the shards work on, or back. */
  private repack(direction: 'pack' | 'unpack'): void {
    const { at, packing } = this.memory;
    const pairs: [number, number][] = [
      [at.weights, at.packedWeights],
      [at.adamM, at.packedM],
      [at.adamV, at.packedV],
    ];
    for (const [flat, packed] of pairs) {
      if (direction === 'pack') packPolicy(this.kernels, packing, flat, packed);
      else unpackPolicy(this.kernels, packing, packed, flat);
    }
  }

  /**
   * Sets up the shared memory for `policy`, the (shared) rollout buffer and minibatches of up to `batchSize`, and
   * hands it to the shards.
   */
  static async create(
    policy: ActorCriticPolicy,
    buffer: RolloutBuffer,
    shards: GradientShards,
    adamOptions: AdamOptions,
    batchSize: number,
  ): Promise<ShardedPpoUpdater> {
    const memory = createSharedUpdateMemory(policy, buffer, shards.count, adamOptions, batchSize);
    await shards.attach(memory);
    return new ShardedPpoUpdater(memory, shards, new FlatAdam(memory.adamM, memory.adamV, adamOptions));
  }

  /** The epochs of one update on the stored rollout (advantages computed). Weights change in `memory.weights`. */
  async update(
    buffer: RolloutBuffer,
    hp: PpoHyperParams,
    learningRate: number,
    random: () => number,
  ): Promise<PpoUpdateStats> {
    const m = this.memory;
    const n = buffer.count;
    const log = new UpdateLog();
    let stop = false;
    const loss: ShardLossParams = {
      clipRange: hp.clipRange,
      ...(hp.clipRangeVf === undefined ? {} : { clipRangeVf: hp.clipRangeVf }),
      entCoef: hp.entCoef,
      vfCoef: hp.vfCoef,
    };
    if (Math.min(hp.batchSize, n) > m.maxBatch)
      throw new Error(
        `ShardedPpoUpdater: minibatches of ${hp.batchSize} exceed the ${m.maxBatch} it was set up for`,
      );
    const reduce = needsReduction(m.shardCount);
    this.repack('pack');
    let pending: AdamStep | undefined;
    for (let epoch = 0; epoch < hp.nEpochs && !stop; epoch++) {
      log.epochs++;
      m.order.set(buffer.permutation(random));
      let minibatch = 0;
      for (let start = 0; start < n; start += hp.batchSize) {
        minibatch++;
        const end = Math.min(n, start + hp.batchSize);
        this.normaliseAdvantages(buffer, start, end, hp.normalizeAdvantage);
        const alone = await this.shards.run({ start, end, loss, ...(pending ? { adam: pending } : {}) });
        pending = undefined;
        const sums = new Float64Array(SHARD_STAT_COUNT);
        for (let k = 0; k < m.shardCount; k++)
          for (let j = 0; j < SHARD_STAT_COUNT; j++) sums[j] = sums[j]! + m.stats[k * SHARD_STAT_COUNT + j]!;
        const count = end - start;
        const policyLoss = sums[0]! / count;
        const valueLoss = sums[1]! / count;
        const entropyLoss = -sums[2]! / count;
        const approxKl = sums[3]! / count;
        const total = policyLoss + hp.entCoef * entropyLoss + hp.vfCoef * valueLoss;
        if (![policyLoss, valueLoss, entropyLoss, total].every(Number.isFinite))
          throw new NonFiniteUpdateError('loss', epoch + 1, minibatch, {
            policyLoss,
            valueLoss,
            entropyLoss,
            loss: total,
          });
        const parts = reduce ? await this.shards.reduce() : alone;
        const norm = Math.sqrt(parts.reduce((a, b) => a + b, 0));
        if (!Number.isFinite(norm))
          throw new NonFiniteUpdateError('gradient', epoch + 1, minibatch, { gradNorm: norm });
        this.adam.iterations++;
        const step = {
          coef: clipCoefficient(norm, hp.maxGradNorm),
          learningRate,
          iteration: this.adam.iterations,
        };
        // With one shard per network the step travels with the next minibatch (each shard owns its network).
        if (reduce) await this.shards.adam(step);
        else pending = step;
        log.record({
          policyLoss,
          valueLoss,
          entropyLoss,
          approxKl,
          clipFraction: sums[4]! / count,
          loss: total,
          gradNorm: norm,
        });
        if (hp.targetKl !== undefined && approxKl > 1.5 * hp.targetKl) {
          stop = true;
          break;
        }
      }
    }
    if (pending) await this.shards.adam(pending);
    this.repack('unpack');
    return log.stats(buffer, n, learningRate, hp.entCoef);
  }

  /** Writes the minibatch's advantages by position, normalised with its mean and unbiased std (as torch). */
  private normaliseAdvantages(buffer: RolloutBuffer, start: number, end: number, normalise: boolean): void {
    const m = this.memory;
    const count = end - start;
    if (!normalise || count <= 1) {
      for (let j = start; j < end; j++) m.advantages[j] = buffer.advantages[m.order[j]!]!;
      return;
    }
    let sum = 0;
    for (let j = start; j < end; j++) sum += buffer.advantages[m.order[j]!]!;
    const mu = sum / count;
    let sq = 0;
    for (let j = start; j < end; j++) sq += (buffer.advantages[m.order[j]!]! - mu) ** 2;
    const std = Math.sqrt(sq / (count - 1));
    for (let j = start; j < end; j++) m.advantages[j] = (buffer.advantages[m.order[j]!]! - mu) / (std + 1e-8);
  }
}
