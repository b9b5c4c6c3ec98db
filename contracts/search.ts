/**
 * The search stage's contract (SearchWorkflow, `loadSearch`, `suggestTrial`, `saveStudy`): a hyperparameter search
 * over the training config beyond the grid — sampled trials (random, TPE, or the grid as one sampler), ASHA early
 * stopping on the mean episode reward at checkpoints, and a study file that makes a search resumable and
 * extendable. Pure: the workflow sandbox imports it, and the ASHA rule lives here so the workflow decides without
 * an activity round trip.
 */
import { z } from 'zod';
import { configPath, gpusField, nonEmptyString, positiveInt } from './fields.js';
import { trainRunFields as train } from './train.js';
import { type RewardCriterion, rankTrials, type TrialRanking } from './trial-ranking.js';

export const SearchWorkflowInput = z.strictObject({
  searchConfig: configPath('configs/search.yaml', 'search config: search_space, sampler, budget and pruner'),
  study: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'letters, digits, ".", "_" and "-"')
    .describe(
      'study name: its trials are kept in artifacts/search/<study>/study.json, so a second search with the same study resumes or extends it',
    ),
  trainingConfig: train.trainingConfig.describe('base training config the sampled values are applied to'),
  simulationConfig: train.simulationConfig,
  overrides: z
    .record(nonEmptyString(), z.unknown())
    .default({})
    .describe('values applied to every trial before its sampled values (a sampled value wins)'),
  trials: positiveInt()
    .optional()
    .describe('trial budget of the study, finished trials included (default: budget.trials of the config)'),
  wallTimeS: z
    .number()
    .positive()
    .optional()
    .describe('no new trial starts after this many seconds (default: budget.wall_time_s of the config)'),
  totalSteps: positiveInt()
    .optional()
    .describe('env steps of a trial that is never stopped (default: total_timesteps of the training config)'),
  checkpointEverySteps: train.checkpointEverySteps.describe(
    'checkpoint cadence; the pruner judges trials at the first report past each rung',
  ),
  seed: train.seed.describe('seed of each trial’s env and weights'),
  syntheticTokens: train.syntheticTokens,
  gpus: gpusField('GPU indices (queues migflow-gpu-<N>); at most one trial per GPU queue at a time'),
  runId: train.runId,
  heartbeatTimeoutS: train.heartbeatTimeoutS,
  maxAttempts: train.maxAttempts,
});
export type SearchWorkflowInput = z.input<typeof SearchWorkflowInput>;
export type ResolvedSearchWorkflowInput = z.output<typeof SearchWorkflowInput>;

/** One dimension of a search space, as `loadSearch` returns it (validated). */
export type SearchDimension =
  | { kind: 'float'; low: number; high: number; log: boolean }
  | { kind: 'int'; low: number; high: number; step: number; log: boolean }
  | { kind: 'choice'; values: unknown[] };

export type SamplerName = 'random' | 'tpe' | 'grid';

export interface SearchPlan {
  /** Dotted training-config path → dimension, in the config's order. */
  space: Record<string, SearchDimension>;
  sampler: SamplerName;
  /** Random trials before TPE models the results. */
  nStartupTrials: number;
  samplerSeed: number;
  trials: number;
  wallTimeS: number | null;
  pruner: { kind: 'asha'; minSteps: number; reductionFactor: number } | { kind: 'none' };
  /** Env steps of a trial run to the end. */
  maxSteps: number;
  /** Hash of the space, sampler and pruner: a study only continues under the same ones. */
  spaceHash: string;
  /** Where the study lives (absolute). */
  studyFile: string;
}

export type SearchTrialStatus = 'pending' | 'running' | 'completed' | 'pruned' | 'failed';

/** One trial of a study: what the study file keeps and the workflow shows. */
export interface SearchTrial {
  trialKey: string;
  index: number;
  params: Record<string, unknown>;
  status: SearchTrialStatus;
  workflowId?: string;
  gpu?: number;
  /** (env steps, mean episode reward) at each progress report. */
  curve: [number, number][];
  /** Rung (env steps) → the mean episode reward the pruner judged there. */
  rungs: Record<string, number>;
  /** Final mean episode reward (completed) or the last reported one (pruned). */
  value?: number | null;
  /** Env steps reached (a pruned trial's last report). */
  steps?: number;
  dir?: string;
  bestCheckpoint?: string;
  /** bestCheckpoint's held-out evaluation reward (training.evaluation on; completed trials only). */
  evalReward?: number;
  hit?: boolean;
  error?: string;
}

/**
 * The study's completed trials ranked as a grid's are (rankTrials): by held-out evaluation reward when every one
 * has it, else by `value` (the final mean training reward). Pruned trials stopped early, so never rank.
 */
export function rankSearchTrials(trials: readonly SearchTrial[]): TrialRanking<SearchTrial> {
  const r = rankTrials(
    trials.map((trial) => ({
      trial,
      trialKey: trial.trialKey,
      index: trial.index,
      status: trial.status,
      meanEpisodeReward: trial.value ?? null,
      evalReward: trial.evalReward ?? null,
    })),
  );
  return { criterion: r.criterion, ranked: r.ranked.map((x) => x.trial), best: r.best?.trial };
}

export interface LoadSearchArgs {
  searchConfig: string;
  trainingConfig: string;
  overrides: Record<string, unknown>;
  study: string;
  trials?: number;
  wallTimeS?: number;
  totalSteps?: number;
}

export interface LoadSearchResult {
  plan: SearchPlan;
  /** The study's trials so far (none for a new study). */
  trials: SearchTrial[];
}

export interface SuggestTrialArgs {
  searchConfig: string;
  trainingConfig: string;
  overrides: Record<string, unknown>;
  plan: SearchPlan;
  index: number;
  /** The study's trials so far: finished ones are what TPE models; every one's params are excluded from grid. */
  history: SearchTrial[];
}

/** Null when the sampler has nothing left (a grid fully enumerated). */
export type SuggestTrialResult = { trialKey: string; params: Record<string, unknown> } | null;

export interface SaveStudyArgs {
  plan: SearchPlan;
  trials: SearchTrial[];
}

export interface SearchStatus {
  study: string;
  total: number;
  completed: number;
  pruned: number;
  failed: number;
  running: number;
  trials: SearchTrial[];
}

export interface SearchResult extends SearchStatus {
  runId: string;
  /** Trials finished before this run (loaded from the study file): not run again. */
  reused: number;
  /** Trials this run started. */
  started: number;
  stoppedBy: 'trials' | 'wall-time' | 'exhausted';
  /** The best completed trial (rankSearchTrials); `value` is its final mean training reward (null: no episode ended). */
  best?: {
    trialKey: string;
    params: Record<string, unknown>;
    value: number | null;
    evalReward?: number;
    rankedBy: RewardCriterion;
    bestCheckpoint?: string;
  };
  studyFile: string;
  table: string;
}

/** Progress a TrainWorkflow started by a SearchWorkflow forwards to it (one per report of its activity). */
export interface SearchTrialProgress {
  trialKey: string;
  steps: number;
  meanEpisodeReward?: number;
}

/** ASHA's rungs: minSteps·η^k below maxSteps (the end of a trial is not a rung: a finished trial is judged by value). */
export function ashaRungs(minSteps: number, reductionFactor: number, maxSteps: number): number[] {
  const rungs: number[] = [];
  for (let r = minSteps; r < maxSteps; r *= reductionFactor) rungs.push(r);
  return rungs;
}

/**
 * Asynchronous successive halving's rule at one rung: `value` (higher is better) goes on when it is among the top
 * ⌊n/η⌋ of the n values recorded at that rung, itself included — and the first trial at a rung always goes on
 * (there is nothing to compare with). The same rule as Optuna's SuccessiveHalvingPruner.
 */
export function ashaContinues(
  rungValues: readonly number[],
  value: number,
  reductionFactor: number,
): boolean {
  const sorted = [...rungValues].sort((a, b) => b - a);
  const keep = Math.max(1, Math.floor(sorted.length / reductionFactor));
  return value >= sorted[keep - 1]!;
}
