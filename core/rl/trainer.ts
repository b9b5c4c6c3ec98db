/**
 * The on-policy loop of Maskable PPO (SB3 OnPolicyAlgorithm.collect_rollouts/learn) over one or more environments
 * (SB3's n_envs): reset the environments whose episode ended, one batched forward pass for all of them, step them
 * (in parallel on worker threads with `WorkerVecEnv`), normalise, store; at a full rollout compute GAE per
 * environment and run the PPO update; call back on steps, episodes, updates and checkpoints. The whole state —
 * weights, Adam moments, normaliser statistics, RNG states, counters, every environment's episode accumulators, what
 * each environment carries from one episode into the next, and the partial rollout — can be exported and restored, so
 * a run continues from a checkpoint with the step counter going on (bit for bit from a checkpoint on episode ends).
 *
 * One environment runs exactly as before vectorisation (same forward pass, tape-based update, checkpoint layout),
 * bit for bit. Several run the data-parallel update (sharded-update.ts), one gradient shard per environment.
 */
import * as tf from '@tensorflow/tfjs';
import { Adam, SB3_ADAM } from './adam.js';
import {
  type CloneOptions,
  type CloneStats,
  cloneBehaviour,
  type Demonstrations,
} from './behaviour-cloning.js';
import type { CheckpointMeta, NormalizerState } from './checkpoint-format.js';
import { allFinite, TrainingDivergedError } from './errors.js';
import { Normalizer, type NormalizerOptions } from './normalizer.js';
import { ActorCriticPolicy } from './policy.js';
import { NonFiniteUpdateError, type PpoHyperParams, type PpoUpdateStats, ppoUpdate } from './ppo.js';
import { type RngState, SavableRng } from './rng.js';
import { RolloutBuffer } from './rollout-buffer.js';
import { type RolloutDiagnostics, rolloutDiagnostics } from './rollout-diagnostics.js';
import { RolloutForward } from './rollout-forward.js';
import { progressRemaining, type Schedule } from './schedule.js';
import { type GradientShards, LocalGradientShards, ShardedPpoUpdater } from './sharded-update.js';
import { threadCpuS } from './thread-cpu.js';
import { InProcessVecEnv, type TrainEnv, type VecEnv } from './vec-env.js';

export type { TrainEnv, VecEnv } from './vec-env.js';

export interface TrainerConfig {
  /** Steps per environment and rollout (SB3's n_steps). */
  readonly nSteps: number;
  readonly gamma: number;
  readonly gaeLambda: number;
  readonly ppo: Omit<PpoHyperParams, 'entCoef'>;
  readonly learningRate: Schedule;
  readonly entCoef: Schedule;
  readonly netArch: { readonly pi: readonly number[]; readonly vf: readonly number[] };
  /** undefined = raw observations and rewards (`sb3_norm: false`). */
  readonly normalizer?: NormalizerOptions;
  /** Env steps of the whole run, over all environments (a multiple of the environment count). */
  readonly totalSteps: number;
  readonly seed: number;
  /**
   * The first this-many updates fit only the critic (training.PPO.critic_warmup_updates; absent or 0 = none). A
   * warm-started actor is already good, but a fresh critic makes its advantages noise, and the first PPO updates
   * would push the clone away from its teacher; the critic first learns the clone's values from its own rollouts.
   */
  readonly criticWarmupUpdates?: number;
  /**
   * Teacher anchor (training.PPO.teacher_anchor_steps; absent or 0 = none): after every PPO update, this many Adam
   * steps of behaviour cloning (minibatches of 256 drawn from the warm start's demonstrations, learning rate 1e-3)
   * pull the actor back towards its teacher, as DAPG's and "PPO + BC"'s auxiliary cloning loss does. PPO can still
   * move the actor where its advantages say so; where they are noise (the teacher's rare decisive actions, which
   * cost reward at once and pay off later), the teacher's decisions stay. Needs a warm start.
   */
  readonly teacherAnchorSteps?: number;
  /** Appended to a divergence error: the config values behind the likely causes and what to change. */
  readonly divergenceHint?: string;
}

export interface EpisodeRecord {
  readonly episode: number;
  /** Env steps of the run when the episode ended. */
  readonly steps: number;
  readonly length: number;
  /** Sum of raw (unnormalised) rewards. */
  readonly reward: number;
  /** Mean reward of the last up-to-100 episodes (rollout/ep_rew_mean). */
  readonly meanReward100: number;
  /** Decisions other than NO_ACTION (index 0). */
  readonly actions: number;
  /** Which environment (only with several). */
  readonly env?: number;
}

export interface UpdateRecord extends PpoUpdateStats {
  readonly update: number;
  readonly steps: number;
  readonly rolloutSteps: number;
  readonly collectS: number;
  readonly updateS: number;
  /** CPU seconds of the trainer's thread during the update (Linux; the workers' share is not in it). */
  readonly updateCpuS?: number;
  /** A critic warm-up update: the actor stayed as it was. */
  readonly criticOnly?: true;
  /** With a teacher anchor: the cloning loss on its draw before and after its steps. */
  readonly teacherAnchor?: { readonly lossBefore: number; readonly lossAfter: number };
}

/** One rollout's diagnostics, numbered like the update that follows it. */
export interface RolloutRecord extends RolloutDiagnostics {
  readonly update: number;
  readonly steps: number;
}

export interface StepRecord {
  readonly steps: number;
  /** Which environment took the step. */
  readonly env: number;
  readonly action: number;
  readonly reward: number;
  readonly terminated: boolean;
  /** The number the episode gets when this step ended it. */
  readonly episode?: number;
  /** The environment's step-log line, when it writes one. */
  readonly log?: unknown;
}

export interface TrainerCallbacks {
  onStep?(s: StepRecord): void;
  onEpisode?(e: EpisodeRecord): void;
  onUpdate?(u: UpdateRecord): void;
  /**
   * The rollout's exploration and credit diagnostics (rollout-diagnostics.ts), before the update that learns from it;
   * computed only when this callback is set, and read-only either way.
   */
  onRollout?(d: RolloutRecord): void;
  /**
   * Called after every step of all environments (`steps` env steps so far, `before` at the previous call); return
   * true to write a checkpoint now.
   */
  checkpointDue?(steps: number, before: number): boolean;
  /** Writes a checkpoint (the trainer's exported state) and returns its path. */
  saveCheckpoint?(state: TrainerState): string;
}

/** Everything a checkpoint holds, in memory. */
export interface TrainerState {
  readonly meta: Omit<CheckpointMeta, 'format' | 'trainingConfigYaml' | 'backend' | 'savedAt' | 'tensors'>;
  readonly tensors: ReadonlyMap<string, Float32Array>;
  /** Shapes of the weight tensors (the rest are flat). */
  readonly shapes: ReadonlyMap<string, readonly number[]>;
}

/** Thrown when the signal aborts: training stopped at a step boundary after writing `checkpoint`. */
export class TrainingAbortedError extends Error {
  constructor(
    readonly steps: number,
    readonly checkpoint: string | undefined,
  ) {
    super(`training aborted at step ${steps}${checkpoint ? `; state saved in ${checkpoint}` : ''}`);
    this.name = 'TrainingAbortedError';
  }
}

const RECENT_EPISODES = 100;

/** The teacher anchor's minibatch and learning rate: behaviour cloning's own (WARM_START_CLONE_DEFAULTS). */
const ANCHOR_BATCH = 256;
const ANCHOR_LEARNING_RATE = 1e-3;

/** One environment's place in the loop. */
interface EnvSlot {
  /** Resets of this environment so far (episodes started). */
  resets: number;
  lastObs: Float32Array | undefined;
  mask: Uint8Array | undefined;
  lastEpisodeStart: boolean;
  /** The last step ended an episode and the env has not been reset yet. */
  pendingReset: boolean;
  episodeReward: number;
  episodeLength: number;
  episodeActions: number;
  /** What the environment carried out of its last finished episode (EnvStepResult.carried), if it reports any. */
  carried: Float64Array | undefined;
  /** Restored from a checkpoint: hand `carried` to the (fresh) environment at its next reset. */
  carryIntoReset: boolean;
}

/** Per-environment counters in a checkpoint with several environments. */
interface EnvSlotState {
  readonly resets: number;
  readonly pendingReset: boolean;
  readonly lastEpisodeStart: boolean;
  readonly episodeReward: number;
  readonly episodeLength: number;
  readonly episodeActions: number;
  /** The environment's carried state (see EnvSlot.carried); absent in checkpoints from before it was saved. */
  readonly carried?: readonly number[];
}

const freshSlot = (): EnvSlot => ({
  resets: 0,
  lastObs: undefined,
  mask: undefined,
  lastEpisodeStart: true,
  pendingReset: true,
  episodeReward: 0,
  episodeLength: 0,
  episodeActions: 0,
  carried: undefined,
  carryIntoReset: false,
});

/** A carried environment state from checkpoint.json (plain numbers: doubles round-trip through JSON exactly). */
function carriedFromMeta(value: unknown, where: string): Float64Array | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new Error(
      `checkpoint.json ${where} is not a list of finite numbers: the checkpoint is damaged; resume from another one`,
    );
  }
  return Float64Array.from(value as number[]);
}

function isVecEnv(env: TrainEnv | VecEnv): env is VecEnv {
  return 'numEnvs' in env;
}

export class PpoTrainer {
  readonly env: VecEnv;
  readonly nEnvs: number;
  readonly policy: ActorCriticPolicy;
  /** The tape-based optimiser (one environment). */
  readonly optimizer: Adam;
  readonly normalizer: Normalizer | undefined;
  readonly buffer: RolloutBuffer;
  readonly policyRng: SavableRng;
  readonly shuffleRng: SavableRng;
  /** Draws the teacher anchor's demonstrations (its own stream: the other streams draw as without the anchor). */
  private readonly anchorRng: SavableRng;
  steps = 0;
  episodes = 0;
  updates = 0;
  /** Raw rewards of the last up-to-100 episodes. */
  readonly recentRewards: number[] = [];
  /**
   * The collection's forward passes (decisions, the stored steps' values, bootstrap values, sampling included) since
   * the trainer was made: wall seconds on this thread, and the process's CPU seconds during them (getrusage brings
   * the calling thread's time up to date, so this is exact for this thread; the environment workers are idle then).
   * What bench:train counts as the network's share of collecting.
   */
  forwardS = 0;
  forwardCpuS = 0;
  private readonly slots: EnvSlot[];
  /** Raw demonstrations cloned so far (warm start), kept so that a DAgger round refits on all of them. */
  private readonly demonstrations: Demonstrations[] = [];
  /** The data-parallel update (several environments), created at the first update. */
  private sharded: ShardedPpoUpdater | undefined;
  /** The fused forward pass for several environments, rebuilt from the weights after every update. */
  private rollout: RolloutForward | undefined;
  private localShards: GradientShards | undefined;
  /**
   * Steps of the rollout whose values are in the buffer. With several environments a decision runs only the actor;
   * the critic's values of the stored observations are filled in batches when the rollout ends or is saved.
   */
  private valuedSteps = 0;
  private collectStartedMs = performance.now();
  private collectMs = 0;
  private vectorSteps = 0;
  // Reused per-step arrays for several environments.
  private readonly batchObs: Float32Array;
  private readonly batchMasks: Uint8Array;
  private readonly acted: { actions: Int32Array; values: Float32Array; logProbs: Float32Array };

  constructor(
    env: TrainEnv | VecEnv,
    readonly config: TrainerConfig,
    readonly callbacks: TrainerCallbacks = {},
  ) {
    this.env = isVecEnv(env) ? env : new InProcessVecEnv([env]);
    this.nEnvs = this.env.numEnvs;
    if (config.totalSteps % this.nEnvs !== 0) {
      throw new Error(
        `PpoTrainer: totalSteps ${config.totalSteps} is not a multiple of the ${this.nEnvs} environments`,
      );
    }
    const { observationLength: obsSize, actionCount } = this.env;
    const seeds = new SavableRng(config.seed ^ 0x5eed);
    this.policy = new ActorCriticPolicy({ obsSize, actionCount, netArch: config.netArch }, seeds.nextSeed());
    this.optimizer = new Adam(this.policy.variables(), SB3_ADAM);
    this.normalizer = config.normalizer ? new Normalizer(obsSize, config.normalizer, this.nEnvs) : undefined;
    this.buffer = new RolloutBuffer(config.nSteps, obsSize, actionCount, {
      nEnvs: this.nEnvs,
      shared: this.nEnvs > 1,
    });
    this.policyRng = new SavableRng(seeds.nextSeed());
    this.shuffleRng = new SavableRng(seeds.nextSeed());
    this.anchorRng = new SavableRng(config.seed ^ 0xa2c40);
    this.slots = Array.from({ length: this.nEnvs }, freshSlot);
    this.batchObs = new Float32Array(this.nEnvs * obsSize);
    this.batchMasks = new Uint8Array(this.nEnvs * actionCount);
    this.acted = {
      actions: new Int32Array(this.nEnvs),
      values: new Float32Array(this.nEnvs),
      logProbs: new Float32Array(this.nEnvs),
    };
  }

  /** Env resets so far, over all environments. */
  get resets(): number {
    return this.slots.reduce((n, s) => n + s.resets, 0);
  }

  get meanRecentReward(): number {
    if (this.recentRewards.length === 0) return Number.NaN;
    return this.recentRewards.reduce((a, b) => a + b, 0) / this.recentRewards.length;
  }

  private observe(raw: Float32Array): Float32Array {
    return this.normalizer ? this.normalizer.observe(raw) : raw;
  }

  /**
   * Warm start: clones a teacher's decisions into the actor before the first step (behaviour-cloning.ts). The
   * observations are raw: they enter the observation statistics first, as if the policy had seen them while
   * collecting, and are then normalised with the resulting statistics. Only before any step of a fresh run.
   * Called again (DAgger: the teacher's labels on states the clone itself reached), the new rows join the earlier
   * ones and the actor is fitted on all of them, normalised with the statistics of all of them.
   */
  warmStart(raw: Demonstrations, options: CloneOptions): CloneStats {
    if (this.steps !== 0 || this.updates !== 0) {
      throw new Error('PpoTrainer.warmStart: only a fresh run can be warm-started (it has taken steps)');
    }
    const obsSize = this.env.observationLength;
    if (this.normalizer) {
      for (let r = 0; r < raw.count; r++)
        this.normalizer.observe(raw.observations.subarray(r * obsSize, (r + 1) * obsSize));
    }
    this.demonstrations.push(raw);
    const { observations, masks, actions, count } = this.clonedDemonstrations()!;
    if (this.normalizer) {
      for (let r = 0; r < count; r++) {
        // A fresh array from clonedDemonstrations, never a shared one.
        const row = observations.subarray(r * obsSize, (r + 1) * obsSize) as Float32Array<ArrayBuffer>;
        this.normalizer.normalizeObs(row, row);
      }
    }
    const stats = cloneBehaviour(this.policy, { observations, masks, actions, count }, options);
    // The fused forward pass copies the weights when made; make it again from the cloned ones.
    this.rollout = undefined;
    return stats;
  }

  /** Every raw demonstration cloned so far, as one set (copies); undefined before any warm start. */
  clonedDemonstrations(): Demonstrations | undefined {
    if (this.demonstrations.length === 0) return undefined;
    const obsSize = this.env.observationLength;
    const { actionCount } = this.env;
    const count = this.demonstrations.reduce((n, d) => n + d.count, 0);
    const observations = new Float32Array(count * obsSize);
    const masks = new Uint8Array(count * actionCount);
    const actions = new Int32Array(count);
    let at = 0;
    for (const d of this.demonstrations) {
      observations.set(d.observations.subarray(0, d.count * obsSize), at * obsSize);
      masks.set(d.masks.subarray(0, d.count * actionCount), at * actionCount);
      actions.set(d.actions.subarray(0, d.count), at);
      at += d.count;
    }
    return { observations, masks, actions, count };
  }

  /**
   * On a resume: the raw demonstrations the run was cloned from (as `clonedDemonstrations` gave them), for the
   * teacher anchor. Nothing is refitted and the observation statistics are the checkpoint's.
   */
  restoreDemonstrations(raw: Demonstrations): void {
    const obsSize = this.env.observationLength;
    const { actionCount } = this.env;
    if (raw.observations.length !== raw.count * obsSize || raw.masks.length !== raw.count * actionCount) {
      throw new Error(
        `PpoTrainer.restoreDemonstrations: rows of ${raw.observations.length / raw.count} observations and ${raw.masks.length / raw.count} actions, the environment has ${obsSize} and ${actionCount}`,
      );
    }
    this.demonstrations.splice(0, this.demonstrations.length, raw);
  }

  /**
   * The current policy's deterministic decision (masked argmax, as a bench takes it) on a raw observation,
   * normalised with the present statistics without adding to them: how a clone acts when DAgger lets it drive.
   */
  decide(raw: Float32Array, mask: Uint8Array): number {
    const obs = Float32Array.from(raw);
    if (this.normalizer) this.normalizer.normalizeObs(obs, obs);
    return this.policy.act(obs, mask, 0, true).action;
  }

  /** Runs until `config.totalSteps` env steps, yielding to the event loop between steps. */
  async learn(signal?: AbortSignal): Promise<void> {
    const total = this.config.totalSteps;
    this.collectStartedMs = performance.now();
    while (this.steps < total) {
      if (signal?.aborted) {
        const checkpoint = this.callbacks.saveCheckpoint?.(this.exportState());
        throw new TrainingAbortedError(this.steps, checkpoint);
      }
      await this.stepOnce();
      // A macrotask every few steps lets heartbeats, IPC and abort signals through (a step is milliseconds).
      if ((++this.vectorSteps & 7) === 0) await new Promise<void>((r) => setImmediate(r));
    }
  }

  private async resetPending(): Promise<void> {
    const pending: number[] = [];
    this.slots.forEach((s, e) => {
      if (s.pendingReset) pending.push(e);
    });
    if (pending.length === 0) return;
    const results = await this.env.reset(
      pending.map((e) => {
        const s = this.slots[e]!;
        const carried = s.carryIntoReset ? s.carried : undefined;
        s.carryIntoReset = false;
        return { env: e, resetIndex: s.resets++, ...(carried ? { carried } : {}) };
      }),
    );
    results.forEach((r, k) => {
      const s = this.slots[pending[k]!]!;
      s.lastObs = this.observe(r.observation);
      s.mask = r.mask;
      s.lastEpisodeStart = true;
      s.pendingReset = false;
    });
  }

  /** One decision per environment: a single forward pass for all of them. */
  private act(): void {
    const a = this.acted;
    if (this.nEnvs === 1) {
      const s = this.slots[0]!;
      const r = this.policy.act(s.lastObs!, s.mask!, this.policyRng.random());
      a.actions[0] = r.action;
      a.values[0] = r.value;
      a.logProbs[0] = r.logProb;
      return;
    }
    const { observationLength: obsSize, actionCount } = this.env;
    const draws = this.slots.map((s, e) => {
      this.batchObs.set(s.lastObs!, e * obsSize);
      this.batchMasks.set(s.mask!, e * actionCount);
      return this.policyRng.random();
    });
    this.rolloutForward().decide(this.batchObs, this.batchMasks, this.nEnvs, draws, a);
  }

  /** The critic's values of the stored steps that have none yet (several environments; see `valuedSteps`). */
  private fillValues(): void {
    const b = this.buffer;
    if (this.nEnvs === 1 || this.valuedSteps >= b.pos) return;
    this.timedForward(() =>
      this.rolloutForward().values(b.observations, this.valuedSteps * this.nEnvs, b.count, b.values),
    );
    this.valuedSteps = b.pos;
  }

  private timedForward<T>(f: () => T): T {
    const wall = performance.now();
    const cpu = process.cpuUsage();
    const r = f();
    const used = process.cpuUsage(cpu);
    this.forwardCpuS += (used.user + used.system) / 1e6;
    this.forwardS += (performance.now() - wall) / 1000;
    return r;
  }

  private rolloutForward(): RolloutForward {
    if (!this.rollout) {
      this.rollout = new RolloutForward(this.policy.shape, this.nEnvs);
      this.rollout.load(this.policy.readWeights());
    }
    return this.rollout;
  }

  private async stepOnce(): Promise<void> {
    await this.resetPending();
    this.timedForward(() => this.act());
    const { actions, values, logProbs } = this.acted;
    const results = await this.env.step(actions);
    const before = this.steps;
    const dones: boolean[] = [];
    for (let e = 0; e < this.nEnvs; e++) {
      const s = this.slots[e]!;
      const r = results[e]!;
      const action = actions[e]!;
      const done = r.terminated || r.truncated;
      dones.push(done);
      const reward = this.normalizer ? this.normalizer.reward(r.reward, done, e) : r.reward;
      this.buffer.set(e, s.lastObs!, s.mask!, action, reward, s.lastEpisodeStart, values[e]!, logProbs[e]!);
      this.steps++;
      s.episodeReward += r.reward;
      s.episodeLength++;
      if (action !== 0) s.episodeActions++;
      this.callbacks.onStep?.({
        steps: this.steps,
        env: e,
        action,
        reward: r.reward,
        terminated: done,
        ...(done ? { episode: this.episodes + 1 } : {}),
        ...(r.log === undefined ? {} : { log: r.log }),
      });
      if (done) {
        this.episodes++;
        this.recentRewards.push(s.episodeReward);
        if (this.recentRewards.length > RECENT_EPISODES) this.recentRewards.shift();
        this.callbacks.onEpisode?.({
          episode: this.episodes,
          steps: this.steps,
          length: s.episodeLength,
          reward: s.episodeReward,
          meanReward100: this.meanRecentReward,
          actions: s.episodeActions,
          ...(this.nEnvs > 1 ? { env: e } : {}),
        });
        s.episodeReward = 0;
        s.episodeLength = 0;
        s.episodeActions = 0;
        s.pendingReset = true;
        s.lastObs = undefined;
        s.mask = undefined;
        if (r.carried) s.carried = r.carried;
      } else {
        s.lastObs = this.observe(r.observation);
        s.mask = r.mask;
      }
      s.lastEpisodeStart = false;
    }
    this.buffer.endStep();
    if (this.buffer.full || this.steps >= this.config.totalSteps) await this.train(dones);
    if (this.callbacks.checkpointDue?.(this.steps, before))
      this.callbacks.saveCheckpoint?.(this.exportState());
  }

  /** Values of the observations after the last step (0 where the episode ended), to bootstrap GAE. */
  private lastValues(dones: readonly boolean[]): number[] {
    if (this.nEnvs === 1) {
      const obs = this.slots[0]!.lastObs;
      return [
        dones[0] || !obs
          ? 0
          : tf.tidy(() => this.policy.predictValues(tf.tensor2d(obs, [1, obs.length])).dataSync()[0]!),
      ];
    }
    const alive = this.slots.flatMap((s, e) => (dones[e] || !s.lastObs ? [] : [e]));
    const out = new Array<number>(this.nEnvs).fill(0);
    if (alive.length === 0) return out;
    const obsSize = this.env.observationLength;
    const x = new Float32Array(alive.length * obsSize);
    alive.forEach((e, k) => {
      x.set(this.slots[e]!.lastObs!, k * obsSize);
    });
    const v = this.rolloutForward().predictValues(x, alive.length);
    alive.forEach((e, k) => {
      out[e] = v[k]!;
    });
    return out;
  }

  private divergence(
    quantity: 'loss' | 'gradient' | 'weights',
    values: Record<string, number>,
    epoch?: number,
    minibatch?: number,
  ): TrainingDivergedError {
    return new TrainingDivergedError(
      {
        update: this.updates + 1,
        ...(epoch === undefined ? {} : { epoch, minibatch }),
        quantity,
        values,
        steps: this.steps,
      },
      this.config.divergenceHint ??
        'lower the learning rate, scale the rewards down (or normalise them), and keep the discount γ below 1',
    );
  }

  /** The data-parallel updater, set up at the first update of a multi-environment run. */
  private async shardedUpdater(): Promise<ShardedPpoUpdater> {
    if (this.sharded) return this.sharded;
    const shards = this.env.gradientShards ?? new LocalGradientShards(this.nEnvs);
    if (!this.env.gradientShards) this.localShards = shards;
    const updater = await ShardedPpoUpdater.create(
      this.policy,
      this.buffer,
      shards,
      SB3_ADAM,
      this.config.ppo.batchSize,
    );
    // Carry the tape optimiser's state over (a restored checkpoint).
    updater.adam.iterations = this.optimizer.iterations;
    let o = 0;
    this.optimizer.m.forEach((m, i) => {
      updater.adam.m.set(m.dataSync() as Float32Array, o);
      updater.adam.v.set(this.optimizer.v[i]!.dataSync() as Float32Array, o);
      o += m.size;
    });
    this.sharded = updater;
    return updater;
  }

  /** GAE over the rollout, then the PPO update. */
  private async train(dones: readonly boolean[]): Promise<void> {
    this.collectMs += performance.now() - this.collectStartedMs;
    this.fillValues();
    const lastValues = this.timedForward(() => this.lastValues(dones));
    if (this.nEnvs === 1) {
      this.buffer.computeReturnsAndAdvantage(
        lastValues[0]!,
        dones[0]!,
        this.config.gamma,
        this.config.gaeLambda,
      );
    } else {
      this.buffer.computeReturnsAndAdvantage(lastValues, dones, this.config.gamma, this.config.gaeLambda);
    }
    if (this.callbacks.onRollout) {
      this.callbacks.onRollout({
        update: this.updates + 1,
        steps: this.steps,
        ...rolloutDiagnostics(this.policy, this.buffer),
      });
    }
    const remaining = progressRemaining(this.steps, this.config.totalSteps);
    const started = performance.now();
    const startedCpuS = threadCpuS();
    const criticOnly = this.updates < (this.config.criticWarmupUpdates ?? 0);
    // Critic warm-up: zero advantages and no entropy bonus give the actor an exactly zero gradient, and its Adam
    // moments are still zero (no actor step has been taken yet), so Adam moves it by exactly nothing — on both the
    // tape-based and the sharded update, with no second code path. The returns were computed above, so the critic
    // still fits them.
    if (criticOnly) this.buffer.advantages.fill(0);
    const hp = { ...this.config.ppo, entCoef: criticOnly ? 0 : this.config.entCoef(remaining) };
    const lr = this.config.learningRate(remaining);
    let stats: PpoUpdateStats;
    try {
      if (this.nEnvs === 1) {
        stats = ppoUpdate(this.policy, this.optimizer, this.buffer, hp, lr, () => this.shuffleRng.random());
      } else {
        const updater = await this.shardedUpdater();
        stats = await updater.update(this.buffer, hp, lr, () => this.shuffleRng.random());
        this.policy.writeWeights(updater.memory.weights);
        this.rolloutForward().load(updater.memory.weights);
      }
    } catch (err) {
      if (err instanceof NonFiniteUpdateError)
        throw this.divergence(err.quantity, { ...err.values }, err.epoch, err.minibatch);
      throw err;
    }
    if (!criticOnly && (this.config.teacherAnchorSteps ?? 0) > 0) this.anchorToTeacher();
    const weights = this.nEnvs === 1 ? this.policy.readWeights() : this.sharded!.memory.weights;
    if (!allFinite(weights)) throw this.divergence('weights', { nonFiniteWeights: countNonFinite(weights) });
    this.updates++;
    const rolloutSteps = this.buffer.count;
    this.buffer.reset();
    this.valuedSteps = 0;
    const updateS = (performance.now() - started) / 1000;
    const endedCpuS = threadCpuS();
    this.callbacks.onUpdate?.({
      ...stats,
      update: this.updates,
      steps: this.steps,
      rolloutSteps,
      collectS: this.collectMs / 1000,
      updateS,
      ...(startedCpuS !== undefined && endedCpuS !== undefined
        ? { updateCpuS: endedCpuS - startedCpuS }
        : {}),
      ...(criticOnly ? { criticOnly: true as const } : {}),
      ...(this.lastAnchor ? { teacherAnchor: this.lastAnchor } : {}),
    });
    this.lastAnchor = undefined;
    this.collectMs = 0;
    this.collectStartedMs = performance.now();
  }

  /** Anchor statistics of the last update (the cloning loss before and after its steps), for the update record. */
  private lastAnchor: { lossBefore: number; lossAfter: number } | undefined;

  /**
   * The teacher anchor's Adam steps after an update (TrainerConfig.teacherAnchorSteps): a random draw of
   * steps × 256 demonstrations, normalised with the present observation statistics, one cloning pass over them.
   */
  private anchorToTeacher(): void {
    if (this.demonstrations.length === 0) {
      throw new Error(
        "training.PPO.teacher_anchor_steps needs the warm start's demonstrations: start the run with --warm-start",
      );
    }
    const obsSize = this.env.observationLength;
    const { actionCount } = this.env;
    const total = this.demonstrations.reduce((n, d) => n + d.count, 0);
    const count = Math.min(total, this.config.teacherAnchorSteps! * ANCHOR_BATCH);
    const observations = new Float32Array(count * obsSize);
    const masks = new Uint8Array(count * actionCount);
    const actions = new Int32Array(count);
    for (let k = 0; k < count; k++) {
      let r = Math.floor(this.anchorRng.random() * total);
      let d = this.demonstrations[0]!;
      for (const dd of this.demonstrations) {
        d = dd;
        if (r < dd.count) break;
        r -= dd.count;
      }
      const row = observations.subarray(k * obsSize, (k + 1) * obsSize);
      row.set(d.observations.subarray(r * obsSize, (r + 1) * obsSize));
      if (this.normalizer) this.normalizer.normalizeObs(row, row);
      masks.set(d.masks.subarray(r * actionCount, (r + 1) * actionCount), k * actionCount);
      actions[k] = d.actions[r]!;
    }
    const stats = cloneBehaviour(
      this.policy,
      { observations, masks, actions, count },
      {
        epochs: 1,
        batchSize: ANCHOR_BATCH,
        learningRate: ANCHOR_LEARNING_RATE,
        seed: this.config.seed + this.updates,
      },
    );
    this.lastAnchor = { lossBefore: stats.lossBefore, lossAfter: stats.lossAfter };
    if (this.sharded) {
      // The data-parallel update keeps its own copy of the weights: give it the anchored ones.
      this.policy.readWeights(this.sharded.memory.weights);
      this.rolloutForward().load(this.sharded.memory.weights);
    }
  }

  /** The complete training state (copies). Refuses to export non-finite weights. */
  exportState(): TrainerState {
    const tensors = new Map<string, Float32Array>();
    const shapes = new Map<string, readonly number[]>();
    const named = this.policy.namedVariables();
    for (const { name, variable } of named) {
      const values = (variable.dataSync() as Float32Array).slice();
      if (!allFinite(values))
        throw this.divergence('weights', { [`${name} non-finite`]: countNonFinite(values) });
      tensors.set(name, values);
      shapes.set(name, variable.shape);
    }
    let offset = 0;
    named.forEach(({ name, variable }, i) => {
      if (this.sharded) {
        const { m, v } = this.sharded.adam;
        tensors.set(`adam/m/${name}`, m.slice(offset, offset + variable.size));
        tensors.set(`adam/v/${name}`, v.slice(offset, offset + variable.size));
        offset += variable.size;
      } else {
        tensors.set(`adam/m/${name}`, (this.optimizer.m[i]!.dataSync() as Float32Array).slice());
        tensors.set(`adam/v/${name}`, (this.optimizer.v[i]!.dataSync() as Float32Array).slice());
      }
      shapes.set(`adam/m/${name}`, variable.shape);
      shapes.set(`adam/v/${name}`, variable.shape);
    });
    this.fillValues();
    const b = this.buffer;
    const n = b.count;
    tensors.set('buffer/observations', b.observations.slice(0, n * b.obsSize));
    tensors.set('buffer/masks', Float32Array.from(b.masks.subarray(0, n * b.actionCount)));
    tensors.set('buffer/actions', Float32Array.from(b.actions.subarray(0, n)));
    tensors.set('buffer/rewards', b.rewards.slice(0, n));
    tensors.set('buffer/values', b.values.slice(0, n));
    tensors.set('buffer/log_probs', b.logProbs.slice(0, n));
    tensors.set('buffer/episode_starts', b.episodeStarts.slice(0, n));
    if (this.nEnvs === 1) {
      const last = this.slots[0]!.lastObs;
      if (last) tensors.set('trainer/last_obs', last.slice());
    } else {
      this.slots.forEach((s, e) => {
        if (s.lastObs) tensors.set(`trainer/last_obs/${e}`, s.lastObs.slice());
      });
    }
    const rng: Record<string, RngState> = {
      policy: this.policyRng.getState(),
      shuffle: this.shuffleRng.getState(),
      // Only with the teacher anchor, so the checkpoints of runs without it stay what they were.
      ...((this.config.teacherAnchorSteps ?? 0) > 0 ? { anchor: this.anchorRng.getState() } : {}),
    };
    const iterations = this.sharded ? this.sharded.adam.iterations : this.optimizer.iterations;
    return {
      meta: {
        steps: this.steps,
        episodes: this.episodes,
        updates: this.updates,
        obsSize: this.env.observationLength,
        actionCount: this.env.actionCount,
        netArch: this.config.netArch,
        activation: 'tanh',
        adam: { iterations, ...this.optimizer.options },
        ...(this.normalizer ? { normalizer: this.normalizer.state() } : {}),
        rng,
        trainer: this.nEnvs === 1 ? this.singleEnvTrainerMeta(b.pos) : this.vecTrainerMeta(b.pos),
        seed: this.config.seed,
        totalSteps: this.config.totalSteps,
      },
      tensors,
      shapes,
    };
  }

  /** The one-environment layout (unchanged since before vectorisation). */
  private singleEnvTrainerMeta(bufferPos: number): Record<string, unknown> {
    const s = this.slots[0]!;
    return {
      resets: s.resets,
      bufferPos,
      pendingReset: s.pendingReset,
      lastEpisodeStart: s.lastEpisodeStart,
      episodeReward: s.episodeReward,
      episodeLength: s.episodeLength,
      episodeActions: s.episodeActions,
      recentRewards: [...this.recentRewards],
      ...(s.carried ? { envCarried: [...s.carried] } : {}),
    };
  }

  private vecTrainerMeta(bufferPos: number): Record<string, unknown> {
    const envs: EnvSlotState[] = this.slots.map((s) => ({
      resets: s.resets,
      pendingReset: s.pendingReset,
      lastEpisodeStart: s.lastEpisodeStart,
      episodeReward: s.episodeReward,
      episodeLength: s.episodeLength,
      episodeActions: s.episodeActions,
      ...(s.carried ? { carried: [...s.carried] } : {}),
    }));
    return { nEnvs: this.nEnvs, bufferPos, envs, recentRewards: [...this.recentRewards] };
  }

  /**
   * Restores a state written by `exportState` (possibly by another process). The environments cannot be restored
   * mid-episode: an environment whose episode was running when the checkpoint was taken has that episode cut there
   * (its last stored transition is not bootstrapped) and starts a fresh one. What an environment carries across
   * episodes (TrainEnv.carriedState) is handed back at its first reset: the state at the end of its last finished
   * episode. A checkpoint from before that was saved has none; its environments' next episodes start without it.
   */
  restoreState(meta: TrainerState['meta'], tensors: ReadonlyMap<string, Float32Array>): void {
    const get = (name: string): Float32Array => {
      const t = tensors.get(name);
      if (!t) throw new Error(`checkpoint lacks tensor ${name}`);
      return t;
    };
    const t = meta.trainer as {
      nEnvs?: number;
      resets?: number;
      bufferPos: number;
      envs?: EnvSlotState[];
      recentRewards: number[];
      envCarried?: number[];
    };
    const savedEnvs = t.nEnvs ?? 1;
    if (savedEnvs !== this.nEnvs) {
      throw new Error(
        `the checkpoint was trained with ${savedEnvs} environment(s); this trainer has ${this.nEnvs}`,
      );
    }
    tf.tidy(() => {
      this.policy.namedVariables().forEach(({ name, variable: v }, i) => {
        v.assign(tf.tensor(get(name), v.shape));
        this.optimizer.m[i]!.assign(tf.tensor(get(`adam/m/${name}`), v.shape));
        this.optimizer.v[i]!.assign(tf.tensor(get(`adam/v/${name}`), v.shape));
      });
    });
    this.optimizer.iterations = meta.adam.iterations;
    if (this.sharded) {
      // Already set up (a restore into a trainer that has trained): reload its copies too.
      this.policy.readWeights(this.sharded.memory.weights);
      this.sharded.adam.iterations = meta.adam.iterations;
      let o = 0;
      for (const { name, variable } of this.policy.namedVariables()) {
        this.sharded.adam.m.set(get(`adam/m/${name}`), o);
        this.sharded.adam.v.set(get(`adam/v/${name}`), o);
        o += variable.size;
      }
    }
    this.rollout?.load(this.policy.readWeights());
    if (this.normalizer && meta.normalizer) this.normalizer.load(meta.normalizer as NormalizerState);
    const rng = meta.rng as Record<string, RngState>;
    this.policyRng.setState(rng.policy!);
    this.shuffleRng.setState(rng.shuffle!);
    if (rng.anchor) this.anchorRng.setState(rng.anchor);
    this.steps = meta.steps;
    this.episodes = meta.episodes;
    this.updates = meta.updates;
    this.recentRewards.splice(0, this.recentRewards.length, ...t.recentRewards);
    this.slots.forEach((s, e) => {
      Object.assign(s, freshSlot());
      s.resets = t.envs ? t.envs[e]!.resets : t.resets!;
      s.carried = t.envs
        ? carriedFromMeta(t.envs[e]!.carried, `trainer.envs[${e}].carried`)
        : carriedFromMeta(t.envCarried, 'trainer.envCarried');
      s.carryIntoReset = s.carried !== undefined;
    });
    const b = this.buffer;
    b.reset();
    b.observations.set(get('buffer/observations'));
    b.masks.set(get('buffer/masks'));
    b.actions.set(get('buffer/actions'));
    b.rewards.set(get('buffer/rewards'));
    b.values.set(get('buffer/values'));
    b.logProbs.set(get('buffer/log_probs'));
    b.episodeStarts.set(get('buffer/episode_starts'));
    b.pos = t.bufferPos;
    this.valuedSteps = b.pos;
    // Every environment starts a fresh episode, from the state its last episode carried out: exactly what the
    // uninterrupted run does when the checkpoint fell on an episode end, as the default cadence does. A cut episode
    // is left out of the episode statistics, and the next one starts from what the episode before it carried.
  }

  async close(): Promise<void> {
    await this.localShards?.close();
    await this.env.close();
  }

  dispose(): void {
    this.policy.dispose();
    this.optimizer.dispose();
    this.rollout?.dispose();
  }
}

function countNonFinite(values: Float32Array): number {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) n++;
  return n;
}
