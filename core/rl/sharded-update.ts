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
 * Deterministic for a given environment count: the permutation, the split and every summation order depend on
 * nothing else, so a run repeats itself exactly, on workers or in-process.
 */
import * as tf from '@tensorflow/tfjs';
import type { AdamOptions } from './adam.js';
import { type AdamStep, adamRange, clipCoefficient, FlatAdam, parameterRange } from './flat-adam.js';
import { ActorCriticPolicy, type PolicyShape } from './policy.js';
import { explainedVariance, NonFiniteUpdateError, type PpoHyperParams, type PpoUpdateStats } from './ppo.js';
import {
  type PolicyPart,
  ppoShardGradients,
  SHARD_STAT_COUNT,
  type ShardBatch,
  type ShardLossParams,
} from './ppo-gradients.js';
import type { RolloutBuffer } from './rollout-buffer.js';

/** Memory the updater and every shard share (SharedArrayBuffers, so worker threads see it without copies). */
export interface SharedUpdateMemory {
  readonly shape: PolicyShape;
  readonly paramCount: number;
  /** Parameters of the actor: the first `actorParamCount` of the flat vector (the critic's follow). */
  readonly actorParamCount: number;
  readonly shardCount: number;
  /** The policy's weights, flat in `namedVariables` order. */
  readonly weights: Float32Array;
  /** One gradient vector per shard; the reduction leaves their sum in the first. */
  readonly grads: Float32Array;
  /** Adam's moments, flat like the weights. */
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
  /** Its network's parameter range [from, to) in the flat vector, and the first member's shard index. */
  readonly paramFrom: number;
  readonly paramTo: number;
  readonly firstShard: number;
}

/** The role of shard `k` of `count` (actor: the first ⌈count/2⌉; one shard does both networks). */
export function shardRole(k: number, count: number, paramCount: number, actorParamCount: number): ShardRole {
  if (count === 1)
    return { part: 'both', member: 0, members: 1, paramFrom: 0, paramTo: paramCount, firstShard: 0 };
  const actors = Math.ceil(count / 2);
  return k < actors
    ? { part: 'pi', member: k, members: actors, paramFrom: 0, paramTo: actorParamCount, firstShard: 0 }
    : {
        part: 'vf',
        member: k - actors,
        members: count - actors,
        paramFrom: actorParamCount,
        paramTo: paramCount,
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

const sharedFloats = (n: number) => new Float32Array(new SharedArrayBuffer(4 * n));

/** The shared memory for `policy` and a rollout buffer allocated with `shared: true`. */
export function createSharedUpdateMemory(
  policy: ActorCriticPolicy,
  buffer: RolloutBuffer,
  shardCount: number,
  adam: FlatAdam,
): SharedUpdateMemory {
  const paramCount = policy.parameterCount;
  const actorParamCount = [...policy.piHidden, policy.piHead].reduce(
    (n, l) => n + l.kernel.size + l.bias.size,
    0,
  );
  const capacity = buffer.size * buffer.nEnvs;
  if (!(buffer.observations.buffer instanceof SharedArrayBuffer))
    throw new Error('createSharedUpdateMemory: the rollout buffer must be allocated with shared: true');
  return {
    shape: policy.shape,
    paramCount,
    actorParamCount,
    shardCount,
    weights: policy.readWeights(sharedFloats(paramCount)),
    grads: sharedFloats(paramCount * shardCount),
    adamM: adam.m,
    adamV: adam.v,
    adamOptions: adam.options,
    stats: new Float64Array(new SharedArrayBuffer(8 * SHARD_STAT_COUNT * shardCount)),
    order: new Int32Array(new SharedArrayBuffer(4 * capacity)),
    advantages: sharedFloats(capacity),
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

/** One shard's computation: a policy replica that reads the shared weights and writes its gradient. */
export class ShardComputer {
  private readonly replica: ActorCriticPolicy;
  readonly role: ShardRole;
  /** This shard's range of its network's parameters, for the reduction and Adam. */
  private readonly from: number;
  private readonly to: number;

  constructor(
    private readonly memory: SharedUpdateMemory,
    private readonly shard: number,
  ) {
    this.replica = new ActorCriticPolicy(memory.shape, 0, 'zeros');
    this.role = shardRole(shard, memory.shardCount, memory.paramCount, memory.actorParamCount);
    const r = this.role;
    const [from, to] = parameterRange(r.paramTo - r.paramFrom, r.member, r.members);
    this.from = r.paramFrom + from;
    this.to = r.paramFrom + to;
  }

  private grads(shard: number): Float32Array {
    const m = this.memory;
    return m.grads.subarray(shard * m.paramCount, (shard + 1) * m.paramCount);
  }

  /** The previous step (if any), then this shard's gradient; its network's sum of squares when it is alone. */
  run(job: ShardJob): number {
    if (job.adam) this.adam(job.adam);
    const m = this.memory;
    const r = this.role;
    const [from, to] = shardRange(job.start, job.end, r.member, r.members);
    const grads = this.grads(this.shard);
    const stats = m.stats.subarray(this.shard * SHARD_STAT_COUNT, (this.shard + 1) * SHARD_STAT_COUNT);
    if (to <= from) {
      grads.fill(0, r.paramFrom, r.paramTo);
      stats.fill(0);
    } else {
      this.loadWeights();
      ppoShardGradients(
        this.replica,
        this.gather(from, to),
        job.loss,
        job.end - job.start,
        grads,
        stats,
        r.part,
      );
    }
    return r.members === 1 ? sumOfSquares(grads, r.paramFrom, r.paramTo) : Number.NaN;
  }

  /** Copies this shard's network's weights from shared memory into the replica. */
  private loadWeights(): void {
    const m = this.memory;
    let o = 0;
    tf.tidy(() => {
      for (const v of this.replica.variables()) {
        if (o >= this.role.paramFrom && o < this.role.paramTo)
          v.assign(tf.tensor(m.weights.subarray(o, o + v.size), v.shape));
        o += v.size;
      }
    });
  }

  private gather(from: number, to: number): ShardBatch {
    const m = this.memory;
    const { obsSize, actionCount } = m.shape;
    const n = to - from;
    const b = {
      n,
      obs: new Float32Array(n * obsSize),
      masks: new Uint8Array(n * actionCount),
      actions: new Int32Array(n),
      oldLogProb: new Float32Array(n),
      oldValues: new Float32Array(n),
      advantages: m.advantages.slice(from, to),
      returns: new Float32Array(n),
    };
    for (let i = 0; i < n; i++) {
      const s = m.order[from + i]!;
      b.obs.set(m.observations.subarray(s * obsSize, (s + 1) * obsSize), i * obsSize);
      b.masks.set(m.masks.subarray(s * actionCount, (s + 1) * actionCount), i * actionCount);
      b.actions[i] = m.actions[s]!;
      b.oldLogProb[i] = m.logProbs[s]!;
      b.oldValues[i] = m.values[s]!;
      b.returns[i] = m.returns[s]!;
    }
    return b;
  }

  /** Adds its network's shards over this shard's parameter range (into the first shard's); the range's sum of squares. */
  reduce(): number {
    const r = this.role;
    if (r.members === 1) return sumOfSquares(this.grads(this.shard), this.from, this.to);
    const m = this.memory;
    const base = r.firstShard * m.paramCount;
    let sumSq = 0;
    for (let i = this.from; i < this.to; i++) {
      let g = m.grads[base + i]!;
      for (let k = 1; k < r.members; k++) g += m.grads[base + k * m.paramCount + i]!;
      m.grads[base + i] = g;
      sumSq += g * g;
    }
    return sumSq;
  }

  /** The Adam step over this shard's parameter range, with its network's (reduced) gradient. */
  adam(step: AdamStep): void {
    const m = this.memory;
    adamRange(
      m.weights,
      m.adamM,
      m.adamV,
      this.grads(this.role.firstShard),
      this.from,
      this.to,
      step,
      m.adamOptions,
    );
  }

  dispose(): void {
    this.replica.dispose();
  }
}

function sumOfSquares(x: Float32Array, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i]! * x[i]!;
  return s;
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

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

/** The data-parallel update: shards compute gradients, this thread reduces, clips and steps Adam. */
export class ShardedPpoUpdater {
  constructor(
    readonly memory: SharedUpdateMemory,
    readonly shards: GradientShards,
    /** The optimiser state; its moments are `memory.adamM`/`adamV`. */
    readonly adam: FlatAdam,
  ) {}

  /** Sets up the shared memory for `policy` and the (shared) rollout buffer and hands it to the shards. */
  static async create(
    policy: ActorCriticPolicy,
    buffer: RolloutBuffer,
    shards: GradientShards,
    adamOptions: AdamOptions,
  ): Promise<ShardedPpoUpdater> {
    const adam = new FlatAdam(policy.parameterCount, adamOptions, true);
    const memory = createSharedUpdateMemory(policy, buffer, shards.count, adam);
    await shards.attach(memory);
    return new ShardedPpoUpdater(memory, shards, adam);
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
    const pg: number[] = [];
    const vl: number[] = [];
    const el: number[] = [];
    const kl: number[] = [];
    const cf: number[] = [];
    let lastLoss = Number.NaN;
    let lastNorm = Number.NaN;
    let epochs = 0;
    let stop = false;
    const loss: ShardLossParams = {
      clipRange: hp.clipRange,
      ...(hp.clipRangeVf === undefined ? {} : { clipRangeVf: hp.clipRangeVf }),
      entCoef: hp.entCoef,
      vfCoef: hp.vfCoef,
    };
    const reduce = needsReduction(m.shardCount);
    let pending: AdamStep | undefined;
    for (let epoch = 0; epoch < hp.nEpochs && !stop; epoch++) {
      epochs++;
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
        pg.push(policyLoss);
        vl.push(valueLoss);
        el.push(entropyLoss);
        kl.push(approxKl);
        cf.push(sums[4]! / count);
        lastLoss = total;
        lastNorm = norm;
        if (hp.targetKl !== undefined && approxKl > 1.5 * hp.targetKl) {
          stop = true;
          break;
        }
      }
    }
    if (pending) await this.shards.adam(pending);
    return {
      policyLoss: mean(pg),
      valueLoss: mean(vl),
      entropyLoss: mean(el),
      approxKl: mean(kl),
      clipFraction: mean(cf),
      loss: lastLoss,
      explainedVariance: explainedVariance(buffer.values.subarray(0, n), buffer.returns.subarray(0, n)),
      gradNorm: lastNorm,
      learningRate,
      entCoef: hp.entCoef,
      epochs,
    };
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
