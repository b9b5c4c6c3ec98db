/**
 * The bench stage's contract: the baselines, BenchWorkflow's input, what one `benchPolicy` trial takes and returns,
 * and the comparison entry every bench result carries. Pure: safe in the workflow sandbox.
 */
import { z } from 'zod';
import { nonEmptyString, positiveInt } from './fields.js';
import { MAX_BENCH_DECISIONS, overLimit } from './limits.js';

/**
 * Baseline policies of the simulated benchmark (what `--bl all` expands to): the reference's four in its order, then
 * migflow's LinUCB contextual bandit.
 */
export const BaselinePolicy = z.enum(['static_no_mig', 'static_split_extreme', 'heuristic', 'qas', 'linucb']);
export type BaselinePolicy = z.infer<typeof BaselinePolicy>;

/**
 * Every policy a bench can run by name: the baselines, then migflow's timed-merge policy idle_merge, which is named
 * explicitly (it is not a baseline of the reference's and `all` leaves it out).
 */
export const BenchPolicyName = z.enum([...BaselinePolicy.options, 'idle_merge']);
export type BenchPolicyName = z.infer<typeof BenchPolicyName>;

/**
 * Where each trial's cluster starts. `own` (the reference's bench, the default): each policy from its own layout —
 * the static baselines in theirs, the others from a random valid layout drawn from the trial's own stream. `common`
 * (a deviation, docs/deviations.md): every policy from one random valid layout drawn from the bench seed, the static
 * baselines driving each GPU to their layout first and then holding it.
 */
export const BenchStartRule = z.enum(['own', 'common']);
export type BenchStartRule = z.infer<typeof BenchStartRule>;

/** How results files, the comparison table and the run report describe a start rule. */
export function startRuleText(start: BenchStartRule): string {
  return start === 'common'
    ? 'common — every policy from one random layout drawn from the bench seed, on one shared noise stream (paired: equal decisions give equal numbers); static baselines reach their layout first (a deviation, docs/deviations.md)'
    : 'own — each policy from its own layout: static baselines in theirs, the others from a random one of their own (the reference)';
}

/** The bench stage's fields (the pipeline reuses them, less the ones it fills in itself). */
export const BenchStageFields = z.strictObject({
  policies: z
    .array(BenchPolicyName)
    .default(['static_no_mig', 'static_split_extreme', 'heuristic', 'qas'])
    .describe('baseline policies to evaluate on the shared trace (and idle_merge, by name)'),
  checkpoints: z
    .array(nonEmptyString())
    .default([])
    .describe('RL checkpoint directories (rl_model_<N>_steps) to evaluate, before the baselines'),
  trace: z
    .strictObject({
      file: nonEmptyString().describe('arrival CSV (migflow, BurstGPT or Azure LLM trace layout)'),
      agent: z.string().optional().describe('agent of every row when the layout has no agent column'),
      agentByModel: z.record(z.string(), z.string()).optional().describe('BurstGPT Model value → agent'),
    })
    .optional()
    .describe('replay recorded arrivals instead of the workload generated from bench_config'),
  task: nonEmptyString()
    .optional()
    .describe(
      'a task of the suite (easy, medium, hard) or a task .yaml: its workload and bench settings replace bench_config’s (docs/tasks.md)',
    ),
  figures: z.boolean().default(true).describe('draw figs/<run_name>/{split,merge,transfer}.png per policy'),
  chromeTrace: z
    .boolean()
    .default(false)
    .describe(
      'also write trace_<run_name>.json per policy: the trial as a Chrome trace (chrome://tracing, Perfetto)',
    ),
  start: BenchStartRule.default('own').describe(
    'where each trial starts: own (the reference: every policy from its own layout) or common (every policy from one layout drawn from the bench seed; static baselines reach theirs first)',
  ),
  steps: positiveInt()
    .max(MAX_BENCH_DECISIONS, overLimit(MAX_BENCH_DECISIONS, 'decisions', 'MAX_BENCH_DECISIONS'))
    .optional()
    .describe('decisions per trial (default: bench_config benchmark length)'),
  seed: z.number().int().nonnegative().optional().describe('workload seed (default: bench_config seed)'),
  syntheticTokens: z
    .boolean()
    .default(true)
    .describe('seeded synthetic token lengths; false reads the generated JSONLs of the profiling stage'),
  simulationConfig: z.string().default('configs/simulation_config.yaml').describe('simulation config path'),
  trainingConfig: z.string().default('configs/training_config.yaml').describe('training config path'),
  benchConfig: z.string().default('configs/bench_config.yaml').describe('bench config path'),
});
export const BenchStageInput = BenchStageFields.refine((s) => s.policies.length + s.checkpoints.length > 0, {
  message: 'no benchmark to run: name baseline policies and/or RL checkpoints',
  path: ['policies'],
});
export type BenchStageInput = z.input<typeof BenchStageInput>;

/**
 * One policy's numbers as the comparison table needs them: small enough to pass through Temporal and to store as
 * JSON. core/bench builds it from a trial and prints comparisons of it.
 */
export interface BenchEntry {
  policy: string;
  runName: string;
  steps: number;
  /** Where the trial started (BenchStartRule). Absent in entries written before it was recorded (they are `own`). */
  start?: BenchStartRule;
  /**
   * The training reward over the trial's decisions (the env's episode reward) and its parts after scaling; they
   * add up to `total` up to rounding. Absent in entries written before it was recorded.
   */
  reward?: {
    total: number;
    ttft: number;
    tpot: number;
    action: number;
    quality: number;
    affinity: number;
    clip: number;
  };
  /**
   * Energy under the simulation config's power model (J) and energy-delay product (J·s): the cluster's (every
   * GPU's idle power plus the slices' busy power) and each agent's (its engines' power above idle while busy).
   * Absent in entries written before it was recorded.
   */
  energy?: {
    totalJ: number;
    edpJs: number;
    agents: { agent: string; energyJ: number; edpJs: number }[];
  };
  readonly agents: readonly {
    agent: string;
    completedRequests: number;
    /**
     * Requests unfinished at the trial's end, included in the TTFT figures censored at the end. Present only under
     * the KV-capacity rule (a task's `kv_capacity: true`), where a request may wait for an engine that never comes.
     */
    unfinishedRequests?: number;
    meanTtftS: number;
    ttftPercentilesS: readonly number[];
    tpotQuartilesS: readonly number[];
    avgWaitingQueue: number;
    splitCount: number;
    mergeCount: number;
    transferCount: number;
  }[];
}

/** What `benchPolicy` takes: one trial (a baseline by name, or `rl` with a checkpoint) and the stage's settings. */
export interface BenchPolicyArgs {
  policy: BenchPolicyName | 'rl';
  /** RL trials: the checkpoint directory. */
  checkpoint?: string;
  settings: BenchStageInput;
}

export interface BenchPolicyResult {
  policy: string;
  /** RL trials: the checkpoint directory. */
  checkpoint?: string;
  cacheKey: string;
  hit: boolean;
  dir: string;
  totalRequests: number;
  entry: BenchEntry;
  durationMs: number;
}

export type BenchWorkflowInput = BenchStageInput & { runId?: string };

export interface BenchWorkflowResult {
  runId: string;
  results: BenchPolicyResult[];
  /** The suite task (or task file) whose workload the policies ran, when the bench named one. */
  task?: string;
  /** The comparison as a Markdown table (policy, reward, TTFT, TPOT, moves per agent); absent in older results. */
  table?: string;
}
