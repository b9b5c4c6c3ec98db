/**
 * What every command that starts a workflow shares, so no client waits forever or prints a wrapper's stack:
 * the input is validated here (the same zod schema the workflow runs) before anything starts; while waiting, a
 * task queue nobody polls gets a hint saying which worker to start (the workflow itself keeps waiting, as
 * Temporal intends); a failed workflow becomes one line with the root cause's message.
 */
import type { Client } from '@temporalio/client';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, TemporalFailure } from '@temporalio/common';
import type { z } from 'zod';
import {
  BenchStageInput,
  DatasetWorkflowInput,
  DeployInput,
  GridSearchInput,
  PipelineInput,
  TrainWorkflowInput,
} from '../../contracts/index.js';
import { MAIN_TASK_QUEUE } from '../../contracts/temporal/index.js';
import { parseConfig } from '../../core/config/index.js';
import { MigflowError } from '../../core/errors.js';

/** The schema each workflow validates its input with (BenchWorkflow: without its run id). */
const INPUT_SCHEMAS: Readonly<Record<string, { schema: z.ZodType; strip?: readonly string[] }>> = {
  PipelineWorkflow: { schema: PipelineInput },
  DatasetWorkflow: { schema: DatasetWorkflowInput },
  TrainWorkflow: { schema: TrainWorkflowInput },
  GridSearchWorkflow: { schema: GridSearchInput },
  BenchWorkflow: { schema: BenchStageInput, strip: ['runId'] },
  DeployWorkflow: { schema: DeployInput },
};

/** Throws the ConfigError the workflow would fail with, naming `<type> input` and the field, before it starts. */
export function checkWorkflowInput(type: string, input: unknown): void {
  const entry = INPUT_SCHEMAS[type];
  if (!entry) return;
  let data = input;
  if (entry.strip && data && typeof data === 'object') {
    data = Object.fromEntries(Object.entries(data).filter(([k]) => !entry.strip?.includes(k)));
  }
  parseConfig(`${type} input`, data, entry.schema);
}

/** A workflow ended in failure: the message is the root cause's (the ApplicationFailure a stage threw). */
export class WorkflowRunError extends MigflowError {
  constructor(
    readonly workflowId: string,
    readonly rootMessage: string,
    readonly failureType: string | undefined,
  ) {
    super(`workflow ${workflowId} failed: ${rootMessage}`);
  }
}

/**
 * The message to show for a failed workflow: the innermost ApplicationFailure's (what a stage threw, e.g. a
 * ConfigError), else the innermost failure's (ChildWorkflowFailure → ActivityFailure → …).
 */
export function rootCause(err: unknown): { message: string; type: string | undefined } {
  let app: { message: string; type: string | undefined } | undefined;
  let deepest = err instanceof Error ? err.message : String(err);
  let cur: unknown = err;
  for (let depth = 0; cur instanceof Error && depth < 10; depth++) {
    if (cur instanceof ApplicationFailure) app = { message: cur.message, type: cur.type ?? undefined };
    else if (cur instanceof TemporalFailure && cur.message) deepest = cur.message;
    cur = (cur as { cause?: unknown }).cause;
  }
  return app ?? { message: deepest, type: undefined };
}

/** temporal.api.enums.v1.TaskQueueType's values (the proto package is not a direct dependency). */
const TaskQueueType = { TASK_QUEUE_TYPE_WORKFLOW: 1, TASK_QUEUE_TYPE_ACTIVITY: 2 } as const;

/** True when some worker polled `queue` (workflow or activity tasks) within the server's poller window. */
export async function hasPoller(client: Client, queue: string): Promise<boolean> {
  for (const taskQueueType of [
    TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
  ]) {
    const r = await client.workflowService.describeTaskQueue({
      namespace: client.options.namespace,
      taskQueue: { name: queue },
      taskQueueType,
    });
    if ((r.pollers ?? []).length > 0) return true;
  }
  return false;
}

/** The command that starts a worker for `queue`. */
export function workerCommandFor(queue: string): string {
  const gpu = /^migflow-gpu-(\d+)$/.exec(queue)?.[1];
  if (gpu !== undefined) return `npx migflow worker --gpu ${gpu} (add --emulate on a host without that GPU)`;
  if (queue === MAIN_TASK_QUEUE) return 'npx migflow worker';
  return `a worker on task queue ${queue}`;
}

/**
 * Checks `queues` after `graceMs` (then every `everyMs`) and calls `hint` once per queue that has no poller.
 * Returns a function that stops checking.
 */
export function watchPollers(
  client: Client,
  queues: readonly string[],
  hint: (line: string) => void,
  o: { graceMs?: number; everyMs?: number } = {},
): () => void {
  const warned = new Set<string>();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const check = async () => {
    for (const q of new Set(queues)) {
      if (stopped || warned.has(q)) continue;
      const polled = await hasPoller(client, q).catch(() => true);
      if (!polled && !stopped) {
        warned.add(q);
        hint(
          `migflow: no worker is polling task queue ${q}; the workflow waits there until one does — fix: start one with \`${workerCommandFor(q)}\``,
        );
      }
    }
    if (!stopped) timer = setTimeout(check, o.everyMs ?? 10_000);
  };
  timer = setTimeout(check, o.graceMs ?? 5_000);
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}

/**
 * Waits for `handle`'s result while watching `queues` for pollers; a failure becomes a WorkflowRunError carrying
 * the root cause's message.
 */
export async function awaitWorkflow<R>(
  client: Client,
  handle: { workflowId: string; result(): Promise<R> },
  queues: readonly string[],
  hint: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Promise<R> {
  const stop = watchPollers(client, queues, hint);
  try {
    return await handle.result();
  } catch (err) {
    if (err instanceof WorkflowFailedError) {
      const { message, type } = rootCause(err);
      throw new WorkflowRunError(handle.workflowId, message, type);
    }
    throw err;
  } finally {
    stop();
  }
}
