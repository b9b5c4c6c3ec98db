/** Client connection for CLI commands: TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE, with a clear error when no server answers. */
import { Client, Connection, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { WorkflowResultType } from '@temporalio/common';
import type { Stage } from '../../contracts/index.js';
import { MAIN_TASK_QUEUE, runTags } from '../../contracts/temporal/index.js';
import { awaitWorkflow, checkWorkflowInput } from './workflow-run.js';

export async function connectClient(
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ client: Client; close: () => Promise<void>; address: string; namespace: string }> {
  const address = env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
  const namespace = env.TEMPORAL_NAMESPACE ?? 'default';
  let connection: Connection;
  try {
    connection = await Connection.connect({ address, connectTimeout: '5s' });
  } catch (err) {
    throw new Error(
      `cannot reach the Temporal server at ${address} (${err instanceof Error ? err.message : String(err)}) — fix: start it with \`npx migflow server\` (or set TEMPORAL_ADDRESS)`,
    );
  }
  return {
    client: new Client({ connection, namespace }),
    close: () => connection.close(),
    address,
    namespace,
  };
}

/** The Web UI page of one workflow run. */
export function workflowUrl(uiUrl: string, namespace: string, workflowId: string, runId?: string): string {
  const base = `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${runId}/history` : base;
}

/**
 * Starts a workflow on the main queue by its contract (`startWorkflow<BenchWorkflow>(client, 'BenchWorkflow', …)`),
 * with a one-line summary for the Web UI and the run's search attributes (the run id defaults to the workflow id).
 */
export function startWorkflow<W extends (input: never) => Promise<unknown>>(
  client: Client,
  type: string,
  input: Parameters<W>[0],
  o: { workflowId: string; summary: string; stage: Stage; runId?: string; gpuQueue?: string },
): Promise<WorkflowHandleWithFirstExecutionRunId<(input: Parameters<W>[0]) => ReturnType<W>>> {
  // A bad input fails here, naming the field, instead of starting a workflow that fails at once.
  checkWorkflowInput(type, input);
  return client.workflow.start<(input: Parameters<W>[0]) => ReturnType<W>>(type, {
    taskQueue: MAIN_TASK_QUEUE,
    workflowId: o.workflowId,
    args: [input],
    staticSummary: o.summary,
    typedSearchAttributes: runTags({
      stage: o.stage,
      runId: o.runId ?? o.workflowId,
      ...(o.gpuQueue !== undefined ? { gpuQueue: o.gpuQueue } : {}),
    }),
  });
}

/** Starts a workflow (as `startWorkflow`) and waits for its result; returns it with the run's first execution id. */
export async function executeWorkflow<W extends (input: never) => Promise<unknown>>(
  client: Client,
  type: string,
  input: Parameters<W>[0],
  o: { workflowId: string; summary: string; stage: Stage; runId?: string; gpuQueue?: string },
): Promise<{ result: WorkflowResultType<(input: Parameters<W>[0]) => ReturnType<W>>; runId: string }> {
  const handle = await startWorkflow<W>(client, type, input, o);
  const queues = [MAIN_TASK_QUEUE, ...(o.gpuQueue !== undefined ? [o.gpuQueue] : [])];
  return { result: await awaitWorkflow(client, handle, queues), runId: handle.firstExecutionRunId };
}
