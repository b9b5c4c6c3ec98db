/**
 * The training stage's contract (TrainWorkflow, GridSearchWorkflow, `trainPolicy`, `expandGridSearch`): inputs,
 * results, heartbeat details and the progress the workflow shows. Pure: safe in the workflow sandbox; the signal
 * and queries that carry these types are in contracts/temporal.
 */
import { z } from 'zod';
import type { BenchStartRule } from './bench.js';
import {
  configPath,
  gpusField,
  heartbeatTimeoutField,
  nonEmptyString,
  positiveInt,
  runIdField,
} from './fields.js';
import { MAX_TRAIN_STEPS, overLimit } from './limits.js';
import type { RewardCriterion } from './trial-ranking.js';

const overrides = z
  .record(nonEmptyString(), z.unknown())
  .default({})
  .describe(
    "values applied to the training config before it is validated, keyed by dotted path from the YAML root as in grid_search.yaml (e.g. {'training.PPO.n_steps': 64}); an unknown path is a ConfigError",
  );

/**
 * Policies a run can be warm-started from (cloned into the policy before PPO starts): three of the reference's
 * baselines, and migflow's timed-merge policy idle_merge (it needs training.time_features).
 */
export const WarmStartTeacher = z.enum(['static_split_extreme', 'heuristic', 'qas', 'idle_merge']);
export type WarmStartTeacher = z.infer<typeof WarmStartTeacher>;

/** `N` environments, or `auto`: one per core of the GPU worker that runs the training (at most 8). */
export const NEnvsField = z.union([positiveInt().max(256), z.literal('auto')]);
export type NEnvsField = z.infer<typeof NEnvsField>;

/** The fields of one training run: TrainWorkflow's and, per trial, a grid's and a search's. */
export const trainRunFields = {
  trainingConfig: configPath(
    'configs/training_config.yaml',
    'training config path (relative paths resolve against the project root)',
  ),
  simulationConfig: configPath('configs/simulation_config.yaml', 'simulation config path'),
  totalSteps: positiveInt()
    .max(MAX_TRAIN_STEPS, overLimit(MAX_TRAIN_STEPS, 'env steps', 'MAX_TRAIN_STEPS'))
    .optional()
    .describe('env steps of the run (default: total_timesteps of the training config)'),
  seed: z.number().int().nonnegative().default(0).describe('seed of env, weights and sampling'),
  checkpointEverySteps: positiveInt()
    .optional()
    .describe(
      'checkpoint cadence in env steps (default 5120, the reference’s); a crash loses at most this much',
    ),
  syntheticTokens: z
    .boolean()
    .default(true)
    .describe('seeded synthetic token lengths; false reads the generated JSONLs of the profiling stage'),
  nEnvs: NEnvsField.optional().describe(
    "environments stepped in parallel (training.PPO.n_envs): a number, or 'auto' = one per core of the GPU worker that runs it, at most 8 (default: the training config's n_envs)",
  ),
  warmStart: WarmStartTeacher.optional().describe(
    'clone this baseline into the policy (behaviour cloning on its decisions in the training environment) before PPO starts (default: none)',
  ),
  warmStartSteps: positiveInt().optional().describe('teacher decisions cloned by warmStart (default 8192)'),
  warmStartRounds: z
    .number()
    .int()
    .nonnegative()
    .optional()
    .describe(
      'DAgger rounds after the first clone: the clone drives warmStartSteps decisions, the teacher labels them, the actor is refitted on all (default 0)',
    ),
  benchConfig: configPath(
    'configs/bench_config.yaml',
    'bench config whose heuristic/QAS settings the warm-start teacher uses and whose trace settings the held-out evaluation (training.evaluation) uses (read only with either)',
  ),
  runId: runIdField(),
  heartbeatTimeoutS: heartbeatTimeoutField(
    60,
    'seconds without a heartbeat before a dead GPU worker’s training is retried (from its last checkpoint)',
  ),
  maxAttempts: positiveInt()
    .max(100)
    .default(10)
    .describe('attempts of one training before the run fails (each retry resumes from the last checkpoint)'),
};

export const TrainWorkflowInput = z.strictObject({
  ...trainRunFields,
  overrides,
  gpu: z
    .number()
    .int()
    .nonnegative()
    .default(0)
    .describe('GPU index: the training runs on task queue migflow-gpu-<gpu>'),
  trialKey: nonEmptyString()
    .optional()
    .describe('grid-search trial id (MigflowTrial); set by GridSearchWorkflow'),
  label: nonEmptyString()
    .max(200)
    .optional()
    .describe(
      'one line naming the run in the Web UI (default: the overrides); GridSearchWorkflow passes the trial’s values',
    ),
  forwardProgress: z
    .boolean()
    .default(false)
    .describe(
      'forward every progress report to the parent workflow as searchTrialProgress (set by SearchWorkflow, whose pruner judges trials on it)',
    ),
});
export type TrainWorkflowInput = z.input<typeof TrainWorkflowInput>;
export type ResolvedTrainWorkflowInput = z.output<typeof TrainWorkflowInput>;

export const GridSearchInput = z.strictObject({
  ...trainRunFields,
  gridConfig: configPath(
    'configs/grid_search.yaml',
    'grid config: lists of values whose Cartesian product gives the trials',
  ),
  overrides: overrides.describe(
    'values applied to every trial before its grid values (a trial’s own value wins on the same key), e.g. a small net for a quick search',
  ),
  seedPerTrial: z
    .boolean()
    .default(false)
    .describe(
      'give trial i the seed seed + i, so trials differ in their draws too (a grid whose values barely change the first updates still gives distinct runs)',
    ),
  gpus: gpusField('GPU indices to spread trials over (queues migflow-gpu-<N>); one trial per GPU at a time'),
});
export type GridSearchInput = z.input<typeof GridSearchInput>;
export type ResolvedGridSearchInput = z.output<typeof GridSearchInput>;

/** What `trainPolicy` takes (TrainWorkflow builds it from its validated input). */
export const TrainPolicyArgs = z.strictObject({
  trainingConfig: nonEmptyString(),
  simulationConfig: nonEmptyString(),
  overrides: z.record(nonEmptyString(), z.unknown()),
  totalSteps: positiveInt().optional(),
  seed: z.number().int().nonnegative(),
  checkpointEverySteps: positiveInt().optional(),
  syntheticTokens: z.boolean(),
  nEnvs: NEnvsField.optional(),
  warmStart: WarmStartTeacher.optional(),
  warmStartSteps: positiveInt().optional(),
  warmStartRounds: z.number().int().nonnegative().optional(),
  benchConfig: nonEmptyString().optional(),
  trialKey: nonEmptyString().optional(),
});
export type TrainPolicyArgs = z.input<typeof TrainPolicyArgs>;

/** What `expandGridSearch` takes (GridSearchWorkflow's files and grid-wide overrides). */
export interface ExpandGridArgs {
  gridConfig: string;
  trainingConfig: string;
  simulationConfig: string;
  overrides: Record<string, unknown>;
}

/** Heartbeat details of `trainPolicy`: the resume point of the next attempt. Tiny, no arrays. */
export interface TrainHeartbeat {
  steps: number;
  totalSteps: number | null;
  episodes: number;
  lastCheckpoint?: string;
  meanEpisodeReward?: number;
  backend?: string;
  attempt: number;
}

/**
 * The settings a held-out evaluation ran under, as resolved (defaults filled in), so that two runs' eval.jsonl lines and
 * best.json files say whether they were chosen under the same rule: the same checkpoint scores differently under
 * another start rule, trace or length.
 */
export interface EvalSettings {
  /** Where each held-out episode started (`migflow bench --start`): own or common. */
  readonly start: BenchStartRule;
  /** Trace seed of the first episode; the k-th replays seed + k. */
  readonly seed: number;
  readonly episodes: number;
  /** Decisions per episode. */
  readonly decisions: number;
}

/**
 * What one training run produced: the train stage's summary (what the cache manifest keeps, checkpoint paths
 * relative to the run directory) and, with absolute paths, the core of what `trainPolicy` returns.
 */
export interface TrainRunSummary {
  /** `checkpoints/final`. */
  finalCheckpoint: string;
  /**
   * The checkpoint with the best held-out evaluation reward (training.evaluation on), else the best mean episode
   * reward when it was saved (the final one when none is better).
   */
  bestCheckpoint: string;
  /** What chose bestCheckpoint (absent in summaries cached before evaluation existed: the training reward). */
  bestBy?: RewardCriterion;
  /**
   * bestCheckpoint's held-out evaluation reward (bestBy eval_reward; absent in summaries cached before it was kept):
   * what ranks trials against each other when every one has it (rankTrials).
   */
  evalReward?: number;
  /** What evalReward was measured under (absent in summaries cached before it was kept). */
  evaluation?: EvalSettings;
  /** Env steps at the end (the run's total). */
  steps: number;
  episodes: number;
  /** Mean of the last up-to-100 episode rewards; null when no episode finished. */
  meanEpisodeReward: number | null;
  /** The tfjs backend: 'tensorflow' (tfjs-node / tfjs-node-gpu), 'wasm' or 'cpu'. */
  backend: string;
  /** True when the backend ran on a GPU. */
  onGpu: boolean;
  /** CUDA_VISIBLE_DEVICES the trainer process ran with (its GPU worker's GPU); null when unset. */
  cudaVisibleDevices: string | null;
  /** Step count of the checkpoint the run resumed from; null when it started from scratch. */
  resumedFromSteps: number | null;
}

/** What `trainPolicy` returns through Temporal: the run's summary with absolute paths, and the cache's facts. */
export interface TrainPolicyResult extends TrainRunSummary {
  cacheKey: string;
  hit: boolean;
  /** Published run directory (artifacts/train/<key>): snapshots, checkpoints, logs, training-curve.png. */
  dir: string;
  /** Attempt number of the activity that produced the entry (1 unless a worker died or a retry happened). */
  attempt: number;
  /** Wall time of this activity call (a cache hit is fast). */
  durationMs: number;
}

export interface TrainWorkflowResult extends TrainPolicyResult {
  runId: string;
  trialKey?: string;
  gpu: number;
  overrides: Record<string, unknown>;
}

/** Training progress: sent by the activity to its workflow, returned by `trainProgressQuery`. */
export interface TrainProgress {
  phase: 'queued' | 'training' | 'done' | 'cache-hit' | 'cancelled' | 'failed';
  steps: number;
  /** Null until the first report (the default total comes from the config). */
  totalSteps: number | null;
  episodes: number;
  lastEpisodeReward?: number;
  meanEpisodeReward?: number;
  lastCheckpoint?: string;
  backend?: string;
  attempt: number;
}

/** A training's progress once it has finished (or was served from the cache). */
export function finishedProgress(result: TrainPolicyResult): TrainProgress {
  return {
    phase: result.hit ? 'cache-hit' : 'done',
    steps: result.steps,
    totalSteps: result.steps,
    episodes: result.episodes,
    ...(result.meanEpisodeReward !== null ? { meanEpisodeReward: result.meanEpisodeReward } : {}),
    lastCheckpoint: result.finalCheckpoint,
    backend: result.backend,
    attempt: result.attempt,
  };
}

/** One trial of a grid search, as the table shows it. */
export interface GridTrialOutcome {
  trialKey: string;
  index: number;
  params: Record<string, unknown>;
  status: 'pending' | 'running' | 'completed' | 'failed';
  workflowId: string;
  gpu?: number;
  meanEpisodeReward?: number | null;
  /** CUDA_VISIBLE_DEVICES its trainer ran with. */
  cudaVisibleDevices?: string | null;
  /** The trial's run directory (snapshots, checkpoints, logs). */
  dir?: string;
  bestCheckpoint?: string;
  /** What chose bestCheckpoint within the trial. */
  bestBy?: RewardCriterion;
  /** bestCheckpoint's held-out evaluation reward (training.evaluation on). */
  evalReward?: number;
  finalCheckpoint?: string;
  /** Env steps the trial trained (its run's total, resumes included). */
  steps?: number;
  hit?: boolean;
  error?: string;
}

export interface GridSearchStatus {
  total: number;
  completed: number;
  failed: number;
  running: number;
  trials: GridTrialOutcome[];
}

export interface GridSearchResult extends GridSearchStatus {
  runId: string;
  /** Markdown table of the trials: params, status, final reward, best checkpoint. */
  table: string;
}

/** What `expandGridSearch` returns: the trials (their full configs stay on disk, only params travel). */
export interface GridExpansion {
  trials: { trialKey: string; index: number; params: Record<string, unknown> }[];
}

/** `affinity_bonus_weight=0.1 n_steps=64`: the last path segment of each key, for one-line summaries. */
export function paramsSummary(params: Readonly<Record<string, unknown>>, maxChars = 120): string {
  const text = Object.entries(params)
    .map(([k, v]) => `${k.split('.').at(-1)}=${JSON.stringify(v)}`)
    .join(' ');
  return text.length > maxChars ? `${text.slice(0, maxChars - 1)}…` : text;
}
