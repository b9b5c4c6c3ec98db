/**
 * The data-parallel PPO update used with several environments: every minibatch is split into `count` contiguous
 * shards of its permutation range; each shard's gradient (of its share of the minibatch-mean loss, `ppo-gradients.ts`)
 * is computed by a replica of the policy — on the worker threads that host the environments, or in this thread —
 * and written into shared memory. Then the same threads, each over its own range of the parameters, add the shards
 * in order and return the range's sum of squares; this thread turns the sums into the global norm and its clip
 * coefficient, and the threads take the Adam step on their ranges of the shared weights and moments (flat-adam.ts),
 * which the replicas read for the next minibatch.
 *
 * Deterministic for a given shard count (it is the environment count): the permutation, the shard split and the
 * reduction order depend on nothing else, so a run with n_envs 2 repeats itself exactly, on workers or in-process.
 */
import type { AdamOptions } from './adam.js';
import {
  type AdamStep,
  adamRange,
  clipCoefficient,
  FlatAdam,
  parameterRange,
  reduceShards,
} from './flat-adam.js';
import { ActorCriticPolicy, type PolicyShape } from './policy.js';
import { explainedVariance, NonFiniteUpdateError, type PpoHyperParams, type PpoUpdateStats } from './ppo.js';
import {
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
}

/** Who computes the shards. */
export interface GradientShards {
  readonly count: number;
  /** Hands every shard the shared memory (once per trainer). */
  attach(memory: SharedUpdateMemory): Promise<void>;
  /** Computes every shard of one minibatch; resolves when all gradients and sums are written. */
  run(job: ShardJob): Promise<void>;
  /** Adds the shards' gradients, each thread over its parameter range; the ranges' sums of squares, in order. */
  reduce(): Promise<number[]>;
  /** The Adam step, each thread over its parameter range. */
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
  const capacity = buffer.size * buffer.nEnvs;
  if (!(buffer.observations.buffer instanceof SharedArrayBuffer))
    throw new Error('createSharedUpdateMemory: the rollout buffer must be allocated with shared: true');
  return {
    shape: policy.shape,
    paramCount,
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

  constructor(
    private readonly memory: SharedUpdateMemory,
    private readonly shard: number,
  ) {
    this.replica = new ActorCriticPolicy(memory.shape, 0, 'zeros');
  }

  run(job: ShardJob): void {
    const m = this.memory;
    const [from, to] = shardRange(job.start, job.end, this.shard, m.shardCount);
    const grads = m.grads.subarray(this.shard * m.paramCount, (this.shard + 1) * m.paramCount);
    const stats = m.stats.subarray(this.shard * SHARD_STAT_COUNT, (this.shard + 1) * SHARD_STAT_COUNT);
    if (to <= from) {
      grads.fill(0);
      stats.fill(0);
      return;
    }
    this.replica.writeWeights(m.weights);
    const { obsSize, actionCount } = m.shape;
    const n = to - from;
    const b: ShardBatch = {
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
    ppoShardGradients(this.replica, b, job.loss, job.end - job.start, grads, stats);
  }

  /** Shard reduction over this shard's parameter range; returns its sum of squares. */
  reduce(): number {
    const m = this.memory;
    const [from, to] = parameterRange(m.paramCount, this.shard, m.shardCount);
    return reduceShards(m.grads, m.paramCount, m.shardCount, from, to);
  }

  /** The Adam step over this shard's parameter range. */
  adam(step: AdamStep): void {
    const m = this.memory;
    const [from, to] = parameterRange(m.paramCount, this.shard, m.shardCount);
    adamRange(m.weights, m.adamM, m.adamV, m.grads, from, to, step, m.adamOptions);
  }

  dispose(): void {
    this.replica.dispose();
  }
}

/** Shards computed one after another in this thread (tests; a vectorised env without workers). */
export class LocalGradientShards implements GradientShards {
  private computers: ShardComputer[] = [];

  constructor(readonly count: number) {}

  async attach(memory: SharedUpdateMemory): Promise<void> {
    this.computers = Array.from({ length: this.count }, (_, k) => new ShardComputer(memory, k));
  }

  async run(job: ShardJob): Promise<void> {
    for (const c of this.computers) c.run(job);
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
    for (let epoch = 0; epoch < hp.nEpochs && !stop; epoch++) {
      epochs++;
      m.order.set(buffer.permutation(random));
      let minibatch = 0;
      for (let start = 0; start < n; start += hp.batchSize) {
        minibatch++;
        const end = Math.min(n, start + hp.batchSize);
        this.normaliseAdvantages(buffer, start, end, hp.normalizeAdvantage);
        await this.shards.run({ start, end, loss });
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
        const norm = Math.sqrt((await this.shards.reduce()).reduce((a, b) => a + b, 0));
        if (!Number.isFinite(norm))
          throw new NonFiniteUpdateError('gradient', epoch + 1, minibatch, { gradNorm: norm });
        this.adam.iterations++;
        await this.shards.adam({
          coef: clipCoefficient(norm, hp.maxGradNorm),
          learningRate,
          iteration: this.adam.iterations,
        });
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
