/**
 * A GPU-pinned worker: activities only, on task queue `migflow-gpu-<N>`, one GPU-heavy activity at a time, with
 * CUDA_VISIBLE_DEVICES / NVIDIA_VISIBLE_DEVICES set for every child process it starts.
 *
 *   npx tsx workers/gpu-worker.ts --gpu 0            # needs nvidia-smi to list GPU 0
 *   npx tsx workers/gpu-worker.ts --gpu 1 --emulate  # no GPU: rehearse with emulated hardware
 *   npx tsx workers/gpu-worker.ts --gpu 0 --n-envs config  # training runs that name no n_envs: the config's value
 *
 * A training run that names no environment count steps one per core of this host (at most 8) unless `--n-envs`
 * says otherwise; a run's own `nEnvs` or `training.PPO.n_envs` override always wins.
 */
import { parseArgs } from 'node:util';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import { gpuTaskQueue } from '../contracts/temporal/index.js';
import { parseWorkerNEnvs } from '../core/stages/train/index.js';
import { activityDeps, connect, GPU_HEARTBEAT_THROTTLE, type WorkerEnv, workerMain } from './connect.js';
import { checkGpu, type GpuWorkerOptions } from './gpus.js';

export type { GpuWorkerOptions } from './gpus.js';

export async function createGpuWorker(env: WorkerEnv, opts: GpuWorkerOptions) {
  const problem = await checkGpu(opts);
  if (problem) throw new Error(problem);
  const connection = await connect(env);
  const childEnv = { CUDA_VISIBLE_DEVICES: String(opts.gpu), NVIDIA_VISIBLE_DEVICES: String(opts.gpu) };
  const worker = await Worker.create({
    connection,
    namespace: env.namespace,
    taskQueue: gpuTaskQueue(opts.gpu),
    activities: createActivities(activityDeps(childEnv, opts.nEnvs ?? 'auto')),
    identity: `migflow-gpu-${opts.gpu}${opts.emulate ? '-emulated' : ''}@${process.pid}`,
    // One GPU, one heavy job: the SDK default (100) would start many trainings at once.
    maxConcurrentActivityTaskExecutions: 1,
    // Time for a trainer to write its checkpoint after SIGTERM.
    shutdownGraceTime: '30s',
    maxHeartbeatThrottleInterval: GPU_HEARTBEAT_THROTTLE,
  });
  return { worker, connection };
}

workerMain(import.meta.url, 'GPU worker', async (env) => {
  const { values } = parseArgs({
    options: {
      gpu: { type: 'string' },
      gpus: { type: 'string' },
      emulate: { type: 'boolean', default: false },
      'n-envs': { type: 'string', default: 'auto' },
    },
  });
  const nEnvs = parseWorkerNEnvs(values['n-envs']);
  if (nEnvs === undefined) {
    throw new Error(`invalid --n-envs ${values['n-envs']} (a whole number ≥ 1, auto or config)`);
  }
  if (values.gpu === undefined || !/^\d+$/.test(values.gpu)) {
    throw new Error('missing or invalid --gpu N (the GPU index this worker is pinned to)');
  }
  const gpus = values.gpus?.split(',').map((s) => Number(s.trim()));
  const opts: GpuWorkerOptions = {
    gpu: Number(values.gpu),
    emulate: values.emulate,
    nEnvs,
    ...(gpus ? { gpus } : {}),
  };
  const w = await createGpuWorker(env, opts);
  const emulated = opts.emulate ? ' (emulated GPU)' : '';
  return { ...w, banner: `migflow GPU worker: queue ${gpuTaskQueue(opts.gpu)}${emulated} on ${env.address}` };
});
