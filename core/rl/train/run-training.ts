/**
 * The public entry of local Maskable PPO training: one run of the MIG environment from configs to checkpoints.
 * The Temporal `trainPolicy` activity calls it from a child process (it is pure CPU/accelerator work for minutes
 * to days); `migflow train` calls it in-process.
 *
 *   const result = await runTraining({
 *     trainingConfigPath: 'configs/training_config.yaml',
 *     simulationConfigPath: 'configs/simulation_config.yaml',
 *     overrides: { 'training.reward.affinity_bonus_weight': 0.1 },   // a grid trial's params, as expandGrid gives them
 *     runDir: 'artifacts/train/<runId>',
 *     resumeFrom: lastHeartbeat?.lastCheckpoint,                       // continue the same run after a crash
 *     onProgress: (p) => heartbeat(p),
 *     signal,
 *   });
 *
 * Run directory layout (all writes atomic):
 *   run.json                          run metadata: backend, seed, start/resume history, totals
 *   snapshots/training_config.yaml    the training config with the overrides applied (what really ran)
 *   snapshots/simulation_config.yaml  copy of the simulation config
 *   checkpoints/rl_model_<N>_steps/   every `checkpointEverySteps` env steps (default 5120, the reference's cadence)
 *   checkpoints/final/                at the end; `best` points at the checkpoint with the best mean episode reward
 *   checkpoints/best.json             { checkpoint, meanEpisodeReward } of the best checkpoint so far
 *   logs/episodes.jsonl               one line per finished episode (steps, length, reward, 100-episode mean, actions)
 *   logs/updates.jsonl                one line per PPO update (losses, entropy, explained variance, lr, timings)
 *   tensorboard/events.out.tfevents.* the same series under SB3's TensorBoard tags (rollout/*, train/*)
 *   logs/train/episode_<k>.jsonl      the reference's per-step log: action, budget, rates, engines per agent
 *   training-curve.png                episode reward, losses, entropy, explained variance
 *
 * Resume: `resumeFrom` (a checkpoint directory from this or another run dir) restores weights, Adam state,
 * normaliser statistics, RNG states and counters; the step counter continues from the checkpoint and training
 * stops at the configured total (`totalSteps` or `total_timesteps`), unlike the reference which trains another
 * full total on top.
 *
 * Cancellation: when `signal` aborts, training stops at the next env step, writes a checkpoint of the state so
 * far and rejects with a `TrainingAbortedError` whose `checkpoint` is that checkpoint's path.
 */
import { trainInRunDir } from './train-run.js';

/** What `onProgress` reports, at most once per finished episode, PPO update and checkpoint. */
export interface TrainingProgress {
  /** Env steps taken so far in this run (continues across resumes). */
  readonly steps: number;
  /** The step at which training stops. */
  readonly totalSteps: number;
  /** Episodes finished so far in this run (continues across resumes). */
  readonly episodes: number;
  /** Undiscounted reward sum of the last finished episode (raw env rewards, not normalised). */
  readonly lastEpisodeReward?: number;
  /** Mean of the last up-to-100 episode rewards (SB3's rollout/ep_rew_mean). */
  readonly meanEpisodeReward?: number;
  /** Directory of the newest checkpoint written, if any: a resume point. */
  readonly lastCheckpoint?: string;
  /** The tfjs backend in use: 'tensorflow' (tfjs-node / tfjs-node-gpu), 'wasm' or 'cpu'. */
  readonly backend: string;
  /** True when the backend runs on a GPU (tfjs-node-gpu with a visible device). */
  readonly gpu: boolean;
}

export interface RunTrainingOptions {
  /** The training config YAML (configs/training_config.yaml). */
  readonly trainingConfigPath: string;
  /** The simulation config YAML (configs/simulation_config.yaml). */
  readonly simulationConfigPath: string;
  /**
   * Values applied on top of the training YAML before validation, keyed by dotted path from the YAML root
   * (`'training.PPO.n_steps'`, `'training.reward.affinity_bonus_weight'`), exactly as a grid trial's `params`.
   * An unknown path is a ConfigError.
   */
  readonly overrides?: Readonly<Record<string, unknown>>;
  /** The run directory (created if absent). */
  readonly runDir: string;
  /** Env steps of the whole run; default the config's `total_timesteps`. */
  readonly totalSteps?: number;
  /** Seed of env, policy sampling, initial weights and minibatch shuffling; default 0. */
  readonly seed?: number;
  /** A checkpoint directory (`…/rl_model_<N>_steps`) to continue from. */
  readonly resumeFrom?: string;
  /** Checkpoint cadence in env steps; default 5120 (the reference's). */
  readonly checkpointEverySteps?: number;
  /**
   * Write the reference's per-step log (action, budget, rates, engines per agent) as
   * `logs/train/episode_<k>.jsonl`. Default true.
   */
  readonly stepLogs?: boolean;
  /** Seeded synthetic token lengths instead of the profiling stage's generated JSONLs. Default false. */
  readonly syntheticTokens?: boolean;
  /**
   * A task file of the suite (configs/tasks/<name>.yaml): every episode draws fresh traffic from the task's
   * workload instead of the training config's patterns. Default none.
   */
  readonly task?: string;
  /** Called on progress (see TrainingProgress). Must be cheap; it runs on the training loop. */
  readonly onProgress?: (p: TrainingProgress) => void;
  /** Informational log lines (backend choice, checkpoints); default none. */
  readonly log?: (line: string) => void;
  readonly signal?: AbortSignal;
}

export interface RunTrainingResult {
  readonly runDir: string;
  /** `checkpoints/final` — loadable by `loadPolicyForInference` and by `resumeFrom`. */
  readonly finalCheckpoint: string;
  /** The checkpoint with the best mean episode reward at save time (the final one when none is better). */
  readonly bestCheckpoint: string;
  /** Env steps at the end (= totalSteps). */
  readonly steps: number;
  readonly episodes: number;
  /** Mean of the last up-to-100 episode rewards; NaN when no episode finished. */
  readonly meanEpisodeReward: number;
  readonly backend: string;
  readonly gpu: boolean;
}

/** Trains one Maskable PPO policy on the MIG environment; see the module doc. */
export function runTraining(options: RunTrainingOptions): Promise<RunTrainingResult> {
  return trainInRunDir(options);
}

export { type InferencePolicy, loadPolicyForInference } from '../inference.js';
export { TrainingAbortedError } from '../trainer.js';
