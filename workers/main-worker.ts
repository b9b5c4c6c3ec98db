/**
 * The orchestration/CPU worker: every workflow, plus the CPU stages' activities, on task queue `migflow`.
 * Run: `npx tsx workers/main-worker.ts` (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE from the environment).
 */
import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import { MAIN_TASK_QUEUE } from '../contracts/temporal/index.js';
import { activityDeps, connect, HEARTBEAT_THROTTLE, type WorkerEnv, workerMain } from './connect.js';
import { cachedWorkflowBundle } from './workflow-bundle.js';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export async function createMainWorker(env: WorkerEnv, opts: { taskQueue?: string; identity?: string } = {}) {
  const connection = await connect(env);
  const worker = await Worker.create({
    connection,
    namespace: env.namespace,
    taskQueue: opts.taskQueue ?? MAIN_TASK_QUEUE,
    workflowBundle: { code: (await cachedWorkflowBundle(WORKFLOWS_PATH)).code },
    activities: createActivities(activityDeps()),
    identity: opts.identity ?? `migflow-main@${process.pid}`,
    // CPU stages are heavy on small machines: a few at a time keeps heartbeats flowing.
    maxConcurrentActivityTaskExecutions: 4,
    shutdownGraceTime: '10s',
    maxHeartbeatThrottleInterval: HEARTBEAT_THROTTLE,
  });
  return { worker, connection };
}

workerMain(import.meta.url, 'main worker failed', async (env) => {
  const taskQueue = process.env.MIGFLOW_TASK_QUEUE ?? MAIN_TASK_QUEUE;
  const w = await createMainWorker(env, { taskQueue });
  return {
    ...w,
    banner: `migflow main worker: queue ${taskQueue} on ${env.address} (namespace ${env.namespace})`,
  };
});
