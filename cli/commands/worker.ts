/** `migflow worker [--gpu N [--emulate]]`: run the main worker, or a GPU-pinned one, in this process. */
import { type Command, InvalidArgumentError } from 'commander';
import { gpuTaskQueue, MAIN_TASK_QUEUE } from '../../contracts/temporal/index.js';
import { parseWorkerNEnvs, type WorkerNEnvs } from '../../core/rl/index.js';
import { gpuIndex } from '../lib/options.js';

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run a worker: the orchestration/CPU worker (default) or one pinned to a GPU (--gpu N)')
    .option(
      '--gpu <n>',
      'pin to this GPU index: task queue migflow-gpu-<n>, CUDA_VISIBLE_DEVICES for its children',
      gpuIndex,
    )
    .option('--gpus <list>', 'override GPU discovery (comma-separated indices this host has)', (v: string) =>
      v.split(',').map((g) => gpuIndex(g)),
    )
    .option('--emulate', 'allow a GPU worker on a host without that GPU (emulated hardware)', false)
    .option(
      '--n-envs <n|auto|config>',
      'GPU worker: environments for a training run that names no n_envs (auto = one per core, at most 8; config = the training config value)',
      (v: string) => {
        const n = parseWorkerNEnvs(v);
        if (n === undefined) throw new InvalidArgumentError('a whole number ≥ 1, auto or config');
        return n;
      },
      'auto' as WorkerNEnvs,
    )
    .action(async (o: { gpu?: number; gpus?: number[]; emulate: boolean; nEnvs: WorkerNEnvs }) => {
      // Loaded on use: the worker pulls in every activity and the Temporal native bridge.
      const { installRuntime, workerEnv } = await import('../../workers/connect.js');
      installRuntime();
      const env = workerEnv();
      if (o.gpu === undefined) {
        const { createMainWorker } = await import('../../workers/main-worker.js');
        const { worker, connection } = await createMainWorker(env);
        process.stdout.write(
          `migflow main worker: queue ${MAIN_TASK_QUEUE} on ${env.address} (namespace ${env.namespace})\n`,
        );
        await worker.run().finally(() => connection.close());
        return;
      }
      const gpu = o.gpu;
      const gpus = o.gpus;
      const { createGpuWorker } = await import('../../workers/gpu-worker.js');
      const { worker, connection } = await createGpuWorker(env, {
        gpu,
        emulate: o.emulate,
        nEnvs: o.nEnvs,
        ...(gpus ? { gpus } : {}),
      });
      process.stdout.write(
        `migflow GPU worker: queue ${gpuTaskQueue(gpu)}${o.emulate ? ' (emulated GPU)' : ''} on ${env.address}\n`,
      );
      await worker.run().finally(() => connection.close());
    });
}
