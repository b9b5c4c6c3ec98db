/**
 * Runs BenchWorkflow through Temporal and gathers its outputs in one folder: each trial's cached result files and
 * figures are copied out of the stage cache, and the comparison table of all trials is written beside them.
 */
import { cpSync, mkdirSync } from 'node:fs';
import { basename } from 'node:path';
import type { Client } from '@temporalio/client';
import type { BenchStageInput, BenchWorkflowResult } from '../../contracts/index.js';
import { Stage } from '../../contracts/index.js';
import type { BenchWorkflow } from '../../contracts/temporal/index.js';
import { comparisonTable, writeComparisonEntries } from '../../core/bench/index.js';
import { MANIFEST_FILE } from '../../core/cache/index.js';
import { benchRunReport, writeRunReport } from '../../core/report/index.js';
import { executeWorkflow } from './client.js';

export async function runBenchWorkflow(
  client: Client,
  input: BenchStageInput,
  workflowId: string,
): Promise<{ result: BenchWorkflowResult; runId: string }> {
  const trials = [...(input.checkpoints ?? []), ...(input.policies ?? ['all baselines'])];
  return executeWorkflow<BenchWorkflow>(
    client,
    'BenchWorkflow',
    { ...input, runId: workflowId },
    { workflowId, summary: `bench ${trials.join(', ')}`, stage: Stage.bench },
  );
}

/**
 * Copies every trial's results_*.txt/.json and figs/ into `outDir` and writes comparison.* and the run report
 * (report.html, report.json); returns the table.
 */
export function collectBenchOutputs(result: BenchWorkflowResult, outDir: string): string {
  mkdirSync(outDir, { recursive: true });
  for (const r of result.results)
    cpSync(r.dir, outDir, { recursive: true, filter: (src) => basename(src) !== MANIFEST_FILE });
  const entries = result.results.map((r) => r.entry);
  writeComparisonEntries(outDir, entries);
  writeRunReport(
    outDir,
    benchRunReport(result.runId, result.results, result.results[0]?.totalRequests ?? 0, {
      ...(result.task ? { task: result.task } : {}),
    }),
  );
  return comparisonTable(entries);
}
