/**
 * One training run as its own process, so the GPU worker that started it keeps its event loop free for heartbeats
 * and cancellation while PPO runs (minutes to days of CPU/accelerator work), and sees exactly its GPU.
 *
 *   node --import tsx core/rl/train/train-process.ts '<json TrainProcessArgs>'
 * (workers run the same module pre-bundled, without tsx: core/util/bundled-entry.ts)
 *
 * Talks to its parent over the IPC channel (JSON lines on stdout when started without one):
 *   { type: 'progress', progress }   a few times a second at most, and at every checkpoint
 *   { type: 'result', result }       the run finished
 *   { type: 'aborted', checkpoint }  SIGTERM: it stopped at a step boundary and wrote this checkpoint
 *   { type: 'error', error }         { name, message, userFixable } — typed, so the activity can fail without retries
 * SIGINT is ignored (a Ctrl-C in the worker's terminal reaches the whole process group; the worker decides). When
 * the parent dies (IPC channel closes, e.g. the worker was SIGKILLed) it stops as on SIGTERM — one checkpoint of
 * its exact state, written atomically — and exits, well before the server's heartbeat timeout lets a retry start;
 * the retry resumes from the newest checkpoint in the run directory.
 */
import { MigflowError } from '../../errors.js';
import { startedAsEntry } from '../../util/started-as-entry.js';
import { type RunTrainingOptions, runTraining, type TrainingProgress } from './run-training.js';

export type TrainProcessArgs = Omit<RunTrainingOptions, 'onProgress' | 'signal' | 'log'>;

export type TrainProcessMessage =
  | { type: 'progress'; progress: TrainingProgress }
  | {
      type: 'result';
      result: {
        runDir: string;
        finalCheckpoint: string;
        bestCheckpoint: string;
        steps: number;
        episodes: number;
        meanEpisodeReward: number | null;
        backend: string;
        gpu: boolean;
        /** CUDA_VISIBLE_DEVICES as this process saw it: the GPU its worker pinned it to. */
        cudaVisibleDevices: string | null;
      };
    }
  | { type: 'aborted'; checkpoint?: string }
  | { type: 'error'; error: { name: string; message: string; userFixable: boolean } }
  | { type: 'log'; line: string };

/** An orphaned trainer (its worker died) exits after this long at the latest. */
const ORPHAN_EXIT_MS = 15_000;

/** Minimum gap between two progress messages that carry no new checkpoint. */
const PROGRESS_GAP_MS = 250;

function send(msg: TrainProcessMessage, then?: () => void): void {
  if (process.send && process.connected) {
    process.send(msg, undefined, {}, () => then?.());
  } else {
    process.stdout.write(`${JSON.stringify(msg)}\n`, () => then?.());
  }
}

/** The checkpoint an aborted run says it wrote (TrainingAbortedError carries it). */
function abortCheckpoint(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const c = (err as Error & { checkpoint?: unknown; checkpointDir?: unknown }).checkpoint;
  const d = (err as Error & { checkpointDir?: unknown }).checkpointDir;
  return typeof c === 'string' ? c : typeof d === 'string' ? d : undefined;
}

export async function trainProcessMain(args: TrainProcessArgs): Promise<number> {
  const controller = new AbortController();
  process.on('SIGTERM', () => controller.abort(new Error('SIGTERM')));
  process.on('SIGINT', () => {});
  let finished = false;
  process.on('disconnect', () => {
    if (finished) return;
    controller.abort(new Error('the worker that started this trainer is gone'));
    // Never outlive the worker by much, even if the checkpoint write hangs.
    setTimeout(() => process.exit(70), ORPHAN_EXIT_MS).unref();
  });
  let lastSent = 0;
  let lastCheckpoint: string | undefined;
  try {
    const r = await runTraining({
      ...args,
      signal: controller.signal,
      log: (line) => send({ type: 'log', line }),
      onProgress: (progress) => {
        const now = Date.now();
        if (progress.lastCheckpoint === lastCheckpoint && now - lastSent < PROGRESS_GAP_MS) return;
        lastCheckpoint = progress.lastCheckpoint;
        lastSent = now;
        send({ type: 'progress', progress });
      },
    });
    finished = true;
    await new Promise<void>((done) =>
      send(
        {
          type: 'result',
          result: {
            runDir: r.runDir,
            finalCheckpoint: r.finalCheckpoint,
            bestCheckpoint: r.bestCheckpoint,
            steps: r.steps,
            episodes: r.episodes,
            meanEpisodeReward: Number.isFinite(r.meanEpisodeReward) ? r.meanEpisodeReward : null,
            backend: r.backend,
            gpu: r.gpu,
            cudaVisibleDevices: process.env.CUDA_VISIBLE_DEVICES ?? null,
          },
        },
        done,
      ),
    );
    return 0;
  } catch (err) {
    finished = true;
    if (controller.signal.aborted) {
      const checkpoint = abortCheckpoint(err) ?? lastCheckpoint;
      await new Promise<void>((done) =>
        send({ type: 'aborted', ...(checkpoint ? { checkpoint } : {}) }, done),
      );
      return 0;
    }
    const error =
      err instanceof MigflowError
        ? { name: err.name, message: err.message, userFixable: err.userFixable }
        : {
            name: 'Error',
            message: String(err instanceof Error ? err.stack : err),
            userFixable: false,
          };
    await new Promise<void>((done) => send({ type: 'error', error }, done));
    return 1;
  }
}

if (startedAsEntry('train-process')) {
  const args = JSON.parse(process.argv[2] ?? '{}') as TrainProcessArgs;
  // Exit explicitly: tfjs backends can hold handles open after the run.
  void trainProcessMain(args).then((code) => process.exit(code));
}
