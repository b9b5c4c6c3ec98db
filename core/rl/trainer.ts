/**
 * The on-policy loop of Maskable PPO (SB3 OnPolicyAlgorithm.collect_rollouts/learn for one environment):
 * read the mask, act, step, normalise, store; at a full rollout compute GAE and run the PPO update; call back on
 * steps, episodes, updates and checkpoints. The whole state — weights, Adam moments, normaliser statistics, RNG
 * states, counters, the partial rollout and the current observation — can be exported and restored, so a run
 * continues from a checkpoint with the step counter going on.
 */
import * as tf from '@tensorflow/tfjs';
import { Adam, SB3_ADAM } from './adam.js';
import type { CheckpointMeta, NormalizerState } from './checkpoint-format.js';
import { Normalizer, type NormalizerOptions } from './normalizer.js';
import { ActorCriticPolicy } from './policy.js';
import { type PpoHyperParams, type PpoUpdateStats, ppoUpdate } from './ppo.js';
import { type RngState, SavableRng } from './rng.js';
import { RolloutBuffer } from './rollout-buffer.js';
import { progressRemaining, type Schedule } from './schedule.js';

/** What the trainer needs of an environment (MigEnv fits). */
export interface TrainEnv {
  readonly observationLength: number;
  readonly actionCount: number;
  /**
   * Starts an episode. `resetIndex` counts resets over the whole run (0 first, continuing across resumes), so an
   * env can reseed its own random stream from it: that makes every episode's draws a function of the run seed and
   * the index, and a resumed run draws what the uninterrupted one would have.
   */
  reset(resetIndex: number): { observation: Float32Array };
  actionMasks(): Uint8Array;
  step(action: number): {
    observation: Float32Array;
    reward: number;
    terminated: boolean;
    truncated?: boolean;
  };
}

export interface TrainerConfig {
  readonly nSteps: number;
  readonly gamma: number;
  readonly gaeLambda: number;
  readonly ppo: Omit<PpoHyperParams, 'entCoef'>;
  readonly learningRate: Schedule;
  readonly entCoef: Schedule;
  readonly netArch: { readonly pi: readonly number[]; readonly vf: readonly number[] };
  /** undefined = raw observations and rewards (`sb3_norm: false`). */
  readonly normalizer?: NormalizerOptions;
  readonly totalSteps: number;
  readonly seed: number;
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
}

export interface UpdateRecord extends PpoUpdateStats {
  readonly update: number;
  readonly steps: number;
  readonly rolloutSteps: number;
  readonly collectS: number;
  readonly updateS: number;
}

export interface StepRecord {
  readonly steps: number;
  readonly action: number;
  readonly reward: number;
  readonly terminated: boolean;
}

export interface TrainerCallbacks {
  onStep?(s: StepRecord): void;
  onEpisode?(e: EpisodeRecord): void;
  onUpdate?(u: UpdateRecord): void;
  /** Called after every env step; return true to write a checkpoint now. */
  checkpointDue?(steps: number): boolean;
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

export class PpoTrainer {
  readonly policy: ActorCriticPolicy;
  readonly optimizer: Adam;
  readonly normalizer: Normalizer | undefined;
  readonly buffer: RolloutBuffer;
  readonly policyRng: SavableRng;
  readonly shuffleRng: SavableRng;
  steps = 0;
  episodes = 0;
  updates = 0;
  /** Env resets so far (episodes started). */
  resets = 0;
  /** Raw rewards of the last up-to-100 episodes. */
  readonly recentRewards: number[] = [];
  private lastObs: Float32Array | undefined;
  private lastEpisodeStart = true;
  /** The last step ended an episode and the env has not been reset yet. */
  private pendingReset = true;
  private episodeReward = 0;
  private episodeLength = 0;
  private episodeActions = 0;
  private collectStartedMs = performance.now();
  private collectMs = 0;

  constructor(
    readonly env: TrainEnv,
    readonly config: TrainerConfig,
    readonly callbacks: TrainerCallbacks = {},
  ) {
    const seeds = new SavableRng(config.seed ^ 0x5eed);
    this.policy = new ActorCriticPolicy(
      { obsSize: env.observationLength, actionCount: env.actionCount, netArch: config.netArch },
      seeds.nextSeed(),
    );
    this.optimizer = new Adam(this.policy.variables(), SB3_ADAM);
    this.normalizer = config.normalizer
      ? new Normalizer(env.observationLength, config.normalizer)
      : undefined;
    this.buffer = new RolloutBuffer(config.nSteps, env.observationLength, env.actionCount);
    this.policyRng = new SavableRng(seeds.nextSeed());
    this.shuffleRng = new SavableRng(seeds.nextSeed());
  }

  get meanRecentReward(): number {
    if (this.recentRewards.length === 0) return Number.NaN;
    return this.recentRewards.reduce((a, b) => a + b, 0) / this.recentRewards.length;
  }

  private observe(raw: Float32Array): Float32Array {
    return this.normalizer ? this.normalizer.observe(raw) : raw;
  }

  private resetEnv(): void {
    this.lastObs = this.observe(this.env.reset(this.resets++).observation);
    this.lastEpisodeStart = true;
    this.pendingReset = false;
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
      this.stepOnce();
      // One macrotask per step lets heartbeats, IPC and abort signals through (a step is milliseconds).
      if ((this.steps & 7) === 0) await new Promise<void>((r) => setImmediate(r));
    }
  }

  private stepOnce(): void {
    if (this.pendingReset) this.resetEnv();
    const obs = this.lastObs!;
    const mask = this.env.actionMasks();
    const { action, value, logProb } = this.policy.act(obs, mask, this.policyRng.random());
    // The env may reuse its mask array; the buffer copies it now.
    const r = this.env.step(action);
    const done = r.terminated || r.truncated === true;
    const reward = this.normalizer ? this.normalizer.reward(r.reward, done) : r.reward;
    this.buffer.add(obs, mask, action, reward, this.lastEpisodeStart, value, logProb);
    this.steps++;
    this.episodeReward += r.reward;
    this.episodeLength++;
    if (action !== 0) this.episodeActions++;
    this.callbacks.onStep?.({ steps: this.steps, action, reward: r.reward, terminated: done });
    if (done) {
      this.episodes++;
      this.recentRewards.push(this.episodeReward);
      if (this.recentRewards.length > RECENT_EPISODES) this.recentRewards.shift();
      this.callbacks.onEpisode?.({
        episode: this.episodes,
        steps: this.steps,
        length: this.episodeLength,
        reward: this.episodeReward,
        meanReward100: this.meanRecentReward,
        actions: this.episodeActions,
      });
      this.episodeReward = 0;
      this.episodeLength = 0;
      this.episodeActions = 0;
      this.pendingReset = true;
      this.lastObs = undefined;
    } else {
      this.lastObs = this.observe(r.observation);
    }
    this.lastEpisodeStart = false;
    if (this.buffer.full || this.steps >= this.config.totalSteps) this.train(done);
    if (this.callbacks.checkpointDue?.(this.steps)) this.callbacks.saveCheckpoint?.(this.exportState());
  }

  /** GAE over the rollout, then the PPO update. */
  private train(lastDone: boolean): void {
    this.collectMs += performance.now() - this.collectStartedMs;
    const lastValue =
      lastDone || !this.lastObs
        ? 0
        : tf.tidy(
            () =>
              this.policy.predictValues(tf.tensor2d(this.lastObs!, [1, this.lastObs!.length])).dataSync()[0]!,
          );
    this.buffer.computeReturnsAndAdvantage(lastValue, lastDone, this.config.gamma, this.config.gaeLambda);
    const remaining = progressRemaining(this.steps, this.config.totalSteps);
    const started = performance.now();
    const stats = ppoUpdate(
      this.policy,
      this.optimizer,
      this.buffer,
      { ...this.config.ppo, entCoef: this.config.entCoef(remaining) },
      this.config.learningRate(remaining),
      () => this.shuffleRng.random(),
    );
    this.updates++;
    const rolloutSteps = this.buffer.pos;
    this.buffer.reset();
    const updateS = (performance.now() - started) / 1000;
    this.callbacks.onUpdate?.({
      ...stats,
      update: this.updates,
      steps: this.steps,
      rolloutSteps,
      collectS: this.collectMs / 1000,
      updateS,
    });
    this.collectMs = 0;
    this.collectStartedMs = performance.now();
  }

  /** The complete training state (copies). */
  exportState(): TrainerState {
    const tensors = new Map<string, Float32Array>();
    const shapes = new Map<string, readonly number[]>();
    const named = this.policy.namedVariables();
    for (const { name, variable } of named) {
      tensors.set(name, (variable.dataSync() as Float32Array).slice());
      shapes.set(name, variable.shape);
    }
    named.forEach(({ name, variable }, i) => {
      tensors.set(`adam/m/${name}`, (this.optimizer.m[i]!.dataSync() as Float32Array).slice());
      tensors.set(`adam/v/${name}`, (this.optimizer.v[i]!.dataSync() as Float32Array).slice());
      shapes.set(`adam/m/${name}`, variable.shape);
      shapes.set(`adam/v/${name}`, variable.shape);
    });
    const b = this.buffer;
    const n = b.pos;
    tensors.set('buffer/observations', b.observations.slice(0, n * b.obsSize));
    tensors.set('buffer/masks', Float32Array.from(b.masks.subarray(0, n * b.actionCount)));
    tensors.set('buffer/actions', Float32Array.from(b.actions.subarray(0, n)));
    tensors.set('buffer/rewards', b.rewards.slice(0, n));
    tensors.set('buffer/values', b.values.slice(0, n));
    tensors.set('buffer/log_probs', b.logProbs.slice(0, n));
    tensors.set('buffer/episode_starts', b.episodeStarts.slice(0, n));
    if (this.lastObs) tensors.set('trainer/last_obs', this.lastObs.slice());
    const rng: Record<string, RngState> = {
      policy: this.policyRng.getState(),
      shuffle: this.shuffleRng.getState(),
    };
    return {
      meta: {
        steps: this.steps,
        episodes: this.episodes,
        updates: this.updates,
        obsSize: this.env.observationLength,
        actionCount: this.env.actionCount,
        netArch: this.config.netArch,
        activation: 'tanh',
        adam: { iterations: this.optimizer.iterations, ...this.optimizer.options },
        ...(this.normalizer ? { normalizer: this.normalizer.state() } : {}),
        rng,
        trainer: {
          resets: this.resets,
          bufferPos: n,
          pendingReset: this.pendingReset,
          lastEpisodeStart: this.lastEpisodeStart,
          episodeReward: this.episodeReward,
          episodeLength: this.episodeLength,
          episodeActions: this.episodeActions,
          recentRewards: [...this.recentRewards],
        },
        seed: this.config.seed,
        totalSteps: this.config.totalSteps,
      },
      tensors,
      shapes,
    };
  }

  /**
   * Restores a state written by `exportState` (possibly by another process). The env cannot be restored
   * mid-episode: when the checkpoint was taken inside an episode, that episode is cut there (its last stored
   * transition is not bootstrapped) and a fresh one starts.
   */
  restoreState(meta: TrainerState['meta'], tensors: ReadonlyMap<string, Float32Array>): void {
    const get = (name: string): Float32Array => {
      const t = tensors.get(name);
      if (!t) throw new Error(`checkpoint lacks tensor ${name}`);
      return t;
    };
    tf.tidy(() => {
      this.policy.namedVariables().forEach(({ name, variable: v }, i) => {
        v.assign(tf.tensor(get(name), v.shape));
        this.optimizer.m[i]!.assign(tf.tensor(get(`adam/m/${name}`), v.shape));
        this.optimizer.v[i]!.assign(tf.tensor(get(`adam/v/${name}`), v.shape));
      });
    });
    this.optimizer.iterations = meta.adam.iterations;
    if (this.normalizer && meta.normalizer) {
      const restored = Normalizer.fromState(meta.normalizer as NormalizerState);
      this.normalizer.obsRms.mean.set(restored.obsRms.mean);
      this.normalizer.obsRms.var.set(restored.obsRms.var);
      this.normalizer.obsRms.count = restored.obsRms.count;
      this.normalizer.retRms.mean.set(restored.retRms.mean);
      this.normalizer.retRms.var.set(restored.retRms.var);
      this.normalizer.retRms.count = restored.retRms.count;
      this.normalizer.returns = restored.returns;
    }
    const rng = meta.rng as Record<string, RngState>;
    this.policyRng.setState(rng.policy!);
    this.shuffleRng.setState(rng.shuffle!);
    const t = meta.trainer as { resets: number; bufferPos: number; recentRewards: number[] };
    this.resets = t.resets;
    this.steps = meta.steps;
    this.episodes = meta.episodes;
    this.updates = meta.updates;
    this.recentRewards.splice(0, this.recentRewards.length, ...t.recentRewards);
    const b = this.buffer;
    const n = t.bufferPos;
    b.reset();
    b.observations.set(get('buffer/observations'));
    b.masks.set(get('buffer/masks'));
    b.actions.set(get('buffer/actions'));
    b.rewards.set(get('buffer/rewards'));
    b.values.set(get('buffer/values'));
    b.logProbs.set(get('buffer/log_probs'));
    b.episodeStarts.set(get('buffer/episode_starts'));
    b.pos = n;
    // The env starts a fresh episode either way (exactly what the uninterrupted run does when the checkpoint fell
    // on an episode end, as the default cadence does); a cut episode is left out of the episode statistics.
    this.pendingReset = true;
    this.lastObs = undefined;
    this.episodeReward = 0;
    this.episodeLength = 0;
    this.episodeActions = 0;
  }

  dispose(): void {
    this.policy.dispose();
    this.optimizer.dispose();
  }
}
