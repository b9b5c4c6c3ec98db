/**
 * One training run as its own process (core/child), so the GPU worker that started it keeps its event loop free
 * for heartbeats and cancellation while PPO runs (minutes to days of CPU/accelerator work), and sees exactly its
 * GPU (the worker's CUDA_VISIBLE_DEVICES).
 *
 *   node --import tsx core/stages/train/train-child.ts '<json TrainChildArgs>'   (workers run its bundle)
 *
 * Progress goes to the parent a few times a second at most, and at once at every new checkpoint. It is graceful:
 * SIGTERM, or its parent going away (e.g. the worker was SIGKILLed), stops it at a step boundary with one
 * checkpoint of its exact state, written atomically, which it reports as it exits; a retry resumes from the
 * newest checkpoint in the run directory.
 */
import { relative } from 'node:path';
import { checkpointSteps, type TrainRunSummary } from '../../../contracts/index.js';
import { type ChildContext, childMain } from '../../child/index.js';
import { runTraining, type TrainingProgress } from './train-run.js';
import type { TrainChildArgs, TrainStopDetails } from './types.js';

class TrainingStopped extends Error {
  constructor(readonly details: TrainStopDetails) {
    super('training stopped');
  }
}

/** The checkpoint an aborted run says it wrote (TrainingAbortedError carries it). */
function abortCheckpoint(err: unknown): string | undefined {
  const c = err !== null && typeof err === 'object' && 'checkpoint' in err ? err.checkpoint : undefined;
  return typeof c === 'string' ? c : undefined;
}

/**
 * tfjs warns for every large layer that its orthogonal initializer "may be slow" (five times for the default
 * 512×512 nets). It runs once per run, for about a second; say that once instead.
 */
function explainOrthogonalWarning(log: (line: string) => void): void {
  const warn = console.warn.bind(console);
  let said = false;
  console.warn = (...args: unknown[]) => {
    if (
      typeof args[0] === 'string' &&
      args[0].startsWith('Orthogonal initializer is being called on a matrix')
    ) {
      if (!said)
        log(
          'initialising the networks orthogonally, as SB3 does (tfjs calls it slow: about a second, once per run)',
        );
      said = true;
      return;
    }
    warn(...args);
  };
}

export async function trainInChild(
  a: TrainChildArgs,
  ctx: ChildContext<TrainingProgress>,
): Promise<TrainRunSummary> {
  let lastCheckpoint: string | undefined;
  explainOrthogonalWarning(ctx.log);
  try {
    const r = await runTraining({
      trainingConfigPath: a.trainingConfig,
      simulationConfigPath: a.simulationConfig,
      overrides: a.overrides,
      runDir: a.runDir,
      seed: a.seed,
      syntheticTokens: a.syntheticTokens,
      ...(a.totalSteps !== undefined ? { totalSteps: a.totalSteps } : {}),
      ...(a.checkpointEverySteps !== undefined ? { checkpointEverySteps: a.checkpointEverySteps } : {}),
      ...(a.resumeFrom ? { resumeFrom: a.resumeFrom } : {}),
      ...(a.stepLogs !== undefined ? { stepLogs: a.stepLogs } : {}),
      ...(a.task ? { task: a.task } : {}),
      ...(a.warmStart ? { warmStart: a.warmStart } : {}),
      ...(a.warmStartSteps !== undefined ? { warmStartSteps: a.warmStartSteps } : {}),
      ...(a.warmStartRounds ? { warmStartRounds: a.warmStartRounds } : {}),
      ...(a.benchConfig ? { benchConfigPath: a.benchConfig } : {}),
      signal: ctx.signal,
      log: ctx.log,
      onProgress: (p) => {
        const urgent = p.lastCheckpoint !== lastCheckpoint;
        lastCheckpoint = p.lastCheckpoint;
        ctx.progress(p, urgent);
      },
    });
    const rel = (p: string) => relative(r.runDir, p);
    return {
      finalCheckpoint: rel(r.finalCheckpoint),
      bestCheckpoint: rel(r.bestCheckpoint),
      bestBy: r.bestBy,
      ...(r.evalReward !== undefined ? { evalReward: r.evalReward } : {}),
      ...(r.evaluation ? { evaluation: r.evaluation } : {}),
      steps: r.steps,
      episodes: r.episodes,
      meanEpisodeReward: Number.isFinite(r.meanEpisodeReward) ? r.meanEpisodeReward : null,
      backend: r.backend,
      onGpu: r.gpu,
      cudaVisibleDevices: process.env.CUDA_VISIBLE_DEVICES ?? null,
      resumedFromSteps: a.resumeFrom ? checkpointSteps(a.resumeFrom) : null,
    };
  } catch (err) {
    if (!ctx.signal.aborted) throw err;
    const checkpoint = abortCheckpoint(err) ?? lastCheckpoint;
    throw new TrainingStopped(checkpoint ? { checkpoint } : {});
  }
}

childMain('train-child', trainInChild, { graceful: true });
