/** Starts PipelineWorkflow and prints its outcome (the main job and `migflow run pipeline`). */
import type { Client } from '@temporalio/client';
import { comparisonTable } from '../../core/bench/report.js';
import type { PipelineInput, PipelineResult } from '../../workflows/inputs.js';
import type { PipelineWorkflow } from '../../workflows/pipeline.js';
import { MAIN_TASK_QUEUE, RUN_ID, STAGE, Stage } from '../../workflows/shared.js';
import { datasetTable } from './dataset-run.js';
import { formatTable } from './table.js';

export async function runPipeline(
  client: Client,
  input: PipelineInput,
  workflowId: string,
): Promise<{ result: PipelineResult; runId: string }> {
  const handle = await client.workflow.start<typeof PipelineWorkflow>('PipelineWorkflow', {
    taskQueue: MAIN_TASK_QUEUE,
    workflowId,
    args: [input],
    staticSummary: `migflow pipeline ${input.runId ?? workflowId}`,
    typedSearchAttributes: [
      { key: STAGE, value: Stage.pipeline },
      { key: RUN_ID, value: input.runId ?? workflowId },
    ],
  });
  return { result: await handle.result(), runId: handle.firstExecutionRunId };
}

export function pipelineReport(result: PipelineResult): string {
  const stages = formatTable(
    ['stage', 'cache', 'took'],
    result.stages.map((s) => [s.stage, s.status, `${(s.durationMs / 1000).toFixed(1)} s`]),
    new Set([2]),
  );
  const parts = [stages];
  if (result.datasets) parts.push('', datasetTable(result.datasets));
  if (result.bench) {
    const first = result.bench.results[0];
    parts.push(
      '',
      `Simulated benchmark: ${first?.totalRequests ?? 0} requests on one shared trace, ${first?.entry.steps ?? 0} decisions per policy`,
      comparisonTable(result.bench.results.map((r) => r.entry)),
    );
  }
  return parts.join('\n');
}
