/**
 * The JSON inputs of migflow's workflows (what `temporal workflow start --input` sends), as zod schemas.
 * Pure: imported by workflows (validation in the sandbox), activities, the CLI and the docs generator.
 */
import { z } from 'zod';

export const DatasetKind = z.enum(['coder', 'rag', 'chat']);
export type DatasetKind = z.infer<typeof DatasetKind>;

export const DatasetStageInput = z
  .object({
    kind: DatasetKind.describe(
      'which preprocessor: coder (multi-round → one row per round), rag (→ ShareGPT), chat (LMSYS filter)',
    ),
    inputs: z
      .array(z.string().min(1))
      .min(1)
      .describe(
        'raw dataset files (.jsonl, .json or .parquet); relative paths resolve against the project root',
      ),
    format: z
      .enum(['jsonl', 'json', 'parquet'])
      .optional()
      .describe('override the format detected from the extension'),
    limit: z.number().int().positive().optional().describe('stop after this many raw rows (quick trials)'),
  })
  .strict();
export type DatasetStageInput = z.infer<typeof DatasetStageInput>;

export const DatasetWorkflowInput = z
  .object({
    datasets: z
      .array(DatasetStageInput)
      .min(1)
      .describe('one entry per dataset to prepare; they run in parallel'),
    runId: z
      .string()
      .min(1)
      .optional()
      .describe('groups workflows of one run in search (MigflowRunId); defaults to the workflow id'),
    heartbeatTimeoutS: z
      .number()
      .positive()
      .max(3600)
      .default(30)
      .describe("seconds without a heartbeat before a dead worker's activity is retried elsewhere"),
  })
  .strict();
export type DatasetWorkflowInput = z.input<typeof DatasetWorkflowInput>;

/** What `prepareDataset` returns through Temporal: small, paths and counts only. */
export interface DatasetStageResult {
  kind: DatasetKind;
  cacheKey: string;
  hit: boolean;
  /** Published entry directory (artifacts/datasets/<key>). */
  dir: string;
  outputFile: string;
  rowsRead: number;
  rowsWritten: number;
  malformedCount: number;
  /** First few malformed rows, "file:line: reason". */
  malformedExamples: string[];
  /** Wall time of this activity call (a cache hit is fast). */
  durationMs: number;
  /** How long building the published entry took, when it was built. */
  buildMs: number;
}

export interface DatasetWorkflowResult {
  runId: string;
  datasets: DatasetStageResult[];
}

/** Baseline policies of the simulated benchmark (core/bench's ALL_BASELINES; a unit test keeps them equal). */
export const BaselinePolicy = z.enum(['static_no_mig', 'static_split_extreme', 'heuristic', 'qas']);
export type BaselinePolicy = z.infer<typeof BaselinePolicy>;

/** The bench stage's fields (the pipeline reuses them, less the ones it fills in itself). */
export const BenchStageFields = z
  .object({
    policies: z
      .array(BaselinePolicy)
      .default(['static_no_mig', 'static_split_extreme', 'heuristic', 'qas'])
      .describe('baseline policies to evaluate on the shared trace'),
    checkpoints: z
      .array(z.string().min(1))
      .default([])
      .describe('RL checkpoint directories (rl_model_<N>_steps) to evaluate, before the baselines'),
    trace: z
      .object({
        file: z.string().min(1).describe('arrival CSV (migflow, BurstGPT or Azure LLM trace layout)'),
        agent: z.string().optional().describe('agent of every row when the layout has no agent column'),
        agentByModel: z.record(z.string(), z.string()).optional().describe('BurstGPT Model value → agent'),
      })
      .strict()
      .optional()
      .describe('replay recorded arrivals instead of the workload generated from bench_config'),
    figures: z.boolean().default(true).describe('draw figs/<run_name>/{split,merge,transfer}.png per policy'),
    steps: z
      .number()
      .int()
      .positive()
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
  })
  .strict();
export const BenchStageInput = BenchStageFields.refine((s) => s.policies.length + s.checkpoints.length > 0, {
  message: 'no benchmark to run: name baseline policies and/or RL checkpoints',
  path: ['policies'],
});
export type BenchStageInput = z.input<typeof BenchStageInput>;

/** One policy's numbers as the comparison table needs them (core/bench ComparisonEntry). */
export interface BenchEntry {
  policy: string;
  runName: string;
  steps: number;
  agents: readonly {
    agent: string;
    completedRequests: number;
    meanTtftS: number;
    ttftPercentilesS: readonly number[];
    tpotQuartilesS: readonly number[];
    avgWaitingQueue: number;
    splitCount: number;
    mergeCount: number;
    transferCount: number;
  }[];
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

export interface BenchWorkflowResult {
  runId: string;
  results: BenchPolicyResult[];
}
