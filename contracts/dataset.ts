/**
 * The datasets stage's contract: DatasetWorkflow's input (what `temporal workflow start --input` sends) and what
 * `prepareDataset` returns, as zod schemas and types. Pure: safe in the workflow sandbox.
 */
import { z } from 'zod';
import { heartbeatTimeoutField, nonEmptyList, nonEmptyString, positiveInt, runIdField } from './fields.js';

export const DatasetKind = z.enum(['coder', 'rag', 'chat']);
export type DatasetKind = z.infer<typeof DatasetKind>;

export const DatasetStageInput = z.strictObject({
  kind: DatasetKind.describe(
    'which preprocessor: coder (multi-round → one row per round), rag (→ ShareGPT), chat (LMSYS filter)',
  ),
  inputs: nonEmptyList(nonEmptyString()).describe(
    'raw dataset files (.jsonl, .json or .parquet); relative paths resolve against the project root',
  ),
  format: z
    .enum(['jsonl', 'json', 'parquet'])
    .optional()
    .describe('override the format detected from the extension'),
  limit: positiveInt().optional().describe('stop after this many raw rows (quick trials)'),
  allowEmpty: z
    .boolean()
    .optional()
    .describe(
      'accept a result of 0 rows (default: 0 rows is a non-retryable DatasetError naming the first rejected row)',
    ),
});
export type DatasetStageInput = z.infer<typeof DatasetStageInput>;

export const DatasetWorkflowInput = z.strictObject({
  datasets: nonEmptyList(DatasetStageInput).describe(
    'one entry per dataset to prepare; they run in parallel',
  ),
  runId: runIdField(),
  heartbeatTimeoutS: heartbeatTimeoutField(
    30,
    "seconds without a heartbeat before a dead worker's activity is retried elsewhere",
  ),
});
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
