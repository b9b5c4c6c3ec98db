/**
 * PipelineWorkflow: the whole pipeline as one durable run. Each stage is a child workflow with a derived id
 * (`<pipelineId>/<stage>`), so the Web UI shows one row per stage and a stage can be inspected, retried or reset
 * on its own. Stages join here as they land: datasets → profiling → fit → grid-search training → bench → deploy.
 */
import { executeChild, setCurrentDetails, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { BenchWorkflow } from './bench.js';
import { DatasetWorkflow } from './dataset.js';
import { PipelineInput, type PipelineResult, type StageOutcome } from './inputs.js';
import { RUN_ID, STAGE, Stage } from './shared.js';
import { validateInput } from './validate.js';

export async function PipelineWorkflow(rawInput: PipelineInput): Promise<PipelineResult> {
  const input = validateInput('PipelineWorkflow', PipelineInput, rawInput);
  const pipelineId = workflowInfo().workflowId;
  const runId = input.runId ?? pipelineId;
  upsertSearchAttributes([
    { key: STAGE, value: Stage.pipeline },
    { key: RUN_ID, value: runId },
  ]);
  const stages: StageOutcome[] = [];
  const progress = (current: string) =>
    setCurrentDetails(
      [
        `**Pipeline ${runId}** — ${current}`,
        '',
        ...stages.map((s) => `- ${s.stage}: ${s.status} (${(s.durationMs / 1000).toFixed(1)} s)`),
      ].join('\n'),
    );
  const result: PipelineResult = { runId, stages };

  if (input.stages.datasets) {
    progress('preparing datasets');
    const started = Date.now();
    const workflowId = `${pipelineId}/datasets`;
    result.datasets = await executeChild(DatasetWorkflow, {
      workflowId,
      args: [{ datasets: input.datasets, runId, heartbeatTimeoutS: input.heartbeatTimeoutS }],
      staticSummary: `datasets: ${input.datasets.map((d) => d.kind).join(', ')}`,
      typedSearchAttributes: [
        { key: STAGE, value: Stage.datasets },
        { key: RUN_ID, value: runId },
      ],
    });
    stages.push({
      stage: Stage.datasets,
      status: result.datasets.datasets.every((d) => d.hit) ? 'hit' : 'ran',
      durationMs: Date.now() - started,
      workflowId,
    });
  } else {
    stages.push({ stage: Stage.datasets, status: 'skipped', durationMs: 0 });
  }

  if (input.stages.bench) {
    progress('benchmarking baseline policies in the simulator');
    const started = Date.now();
    const workflowId = `${pipelineId}/bench`;
    result.bench = await executeChild(BenchWorkflow, {
      workflowId,
      args: [{ ...input.bench, runId }],
      staticSummary: `bench: ${input.bench.policies.join(', ')}`,
      typedSearchAttributes: [
        { key: STAGE, value: Stage.bench },
        { key: RUN_ID, value: runId },
      ],
    });
    stages.push({
      stage: Stage.bench,
      status: result.bench.results.every((r) => r.hit) ? 'hit' : 'ran',
      durationMs: Date.now() - started,
      workflowId,
    });
  } else {
    stages.push({ stage: Stage.bench, status: 'skipped', durationMs: 0 });
  }

  progress('done');
  return result;
}
