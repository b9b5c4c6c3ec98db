/**
 * The worker processes a pipeline run needs on one machine: the orchestration/CPU worker (queue `migflow`) and one
 * GPU-pinned worker per GPU (`migflow-gpu-N`), emulated when the machine has no GPU. Shared by the main job, the
 * pipeline benchmark and the crash drills, so all three run the pipeline on the same set of workers.
 */
import { type StartedWorker, startWorkerProcess } from './worker-processes.js';

export interface PipelineWorkerOptions {
  /** Environment of every worker (TEMPORAL_ADDRESS, MIGFLOW_ARTIFACTS, …). */
  readonly env: Record<string, string>;
  /** Start the orchestration worker (default true; false: only GPU workers, e.g. to replace a dead one). */
  readonly main?: boolean;
  /** GPU indices to start pinned workers for (none: only the main worker). */
  readonly gpus?: readonly number[];
  /** Start GPU workers with emulated hardware (no nvidia-smi check). */
  readonly emulate?: boolean;
  readonly onLine?: (label: string, line: string) => void;
}

export interface PipelineWorkers {
  readonly main: StartedWorker | undefined;
  readonly gpu: readonly StartedWorker[];
  stop(): Promise<void>;
}

export async function startPipelineWorkers(o: PipelineWorkerOptions): Promise<PipelineWorkers> {
  const started: StartedWorker[] = [];
  const stopAll = async () => {
    await Promise.all(started.map((w) => w.stop()));
  };
  try {
    // Started one after another: each bundles/loads on startup, and 2 cores do that faster in series.
    const main =
      o.main === false
        ? undefined
        : await startWorkerProcess('main-worker', [], o.env, { onLine: (l) => o.onLine?.('main-worker', l) });
    if (main) started.push(main);
    const gpu: StartedWorker[] = [];
    for (const index of o.gpus ?? []) {
      const args = ['--gpu', String(index), ...(o.emulate ? ['--emulate'] : [])];
      const w = await startWorkerProcess('gpu-worker', args, o.env, {
        onLine: (l) => o.onLine?.(`gpu-worker ${index}`, l),
      });
      started.push(w);
      gpu.push(w);
    }
    return { main, gpu, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
