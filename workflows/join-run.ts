/** How a workflow joins its run: the search attributes it carries, from the run id it was given or its own id. */
import { upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { Stage } from '../contracts/index.js';
import { runTags } from '../contracts/temporal/index.js';

/** Tags this workflow as `stage` of run `givenRunId` (default: this workflow's own id); returns the run id. */
export function joinRun(
  stage: Stage,
  givenRunId: string | undefined,
  more: { gpuQueue?: string; trial?: string } = {},
): string {
  const runId = givenRunId ?? workflowInfo().workflowId;
  upsertSearchAttributes(runTags({ stage, runId, ...more }));
  return runId;
}
