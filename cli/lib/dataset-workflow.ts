/** Runs DatasetWorkflow through Temporal and prints its outcome (shared by `migflow run dataset` and the main job). */
import { relative } from 'node:path';
import type { Client } from '@temporalio/client';
import type { DatasetWorkflowInput, DatasetWorkflowResult } from '../../contracts/index.js';
import { Stage } from '../../contracts/index.js';
import type { DatasetWorkflow } from '../../contracts/temporal/index.js';
import { PROJECT_ROOT } from '../../core/paths.js';
import { startWorkflow } from './client.js';
import { formatTable } from './table.js';

export async function runDatasetWorkflow(
  client: Client,
  input: DatasetWorkflowInput,
  workflowId: string,
): Promise<{ result: DatasetWorkflowResult; runId: string }> {
  const handle = await startWorkflow<DatasetWorkflow>(client, 'DatasetWorkflow', input, {
    workflowId,
    runId: input.runId,
    summary: `prepare ${input.datasets.map((d) => d.kind).join(', ')} dataset(s)`,
    stage: Stage.datasets,
  });
  const result = await handle.result();
  return { result, runId: handle.firstExecutionRunId };
}

export function datasetTable(result: DatasetWorkflowResult): string {
  const rows = result.datasets.map((d) => [
    d.kind,
    String(d.rowsRead),
    String(d.rowsWritten),
    String(d.malformedCount),
    d.hit ? 'hit' : 'ran',
    `${(d.durationMs / 1000).toFixed(2)} s`,
    relative(PROJECT_ROOT, d.outputFile),
  ]);
  return formatTable(
    ['dataset', 'rows in', 'rows out', 'malformed', 'cache', 'took', 'output'],
    rows,
    new Set([1, 2, 3, 5]),
  );
}
