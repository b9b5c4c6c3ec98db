/**
 * The train stage: one Maskable PPO run in a run directory (./train-run.ts), in a child process (./train-child.ts)
 * that sees only its GPU worker's GPU. `trainPolicy` caches it on the training and simulation configs' content,
 * the overrides, seed, steps and checkpoint cadence, and resumes a retried attempt in the same run directory;
 * `migflow train` runs it into a folder of its own.
 *
 *   const summary = await trainStage.run(input, runDir, { signal, progress: (p) => show(p) });
 *
 * Stopping: when `signal` aborts, the trainer checkpoints at the next step boundary and exits, and `run` rejects
 * with a `TrainingStoppedError` naming that checkpoint (a resume point).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkpointSteps, type TrainRunSummary } from '../../../contracts/index.js';
import type { CachedStage, StageContext } from '../../cache/index.js';
import { bundledEntrySourceDigest, runChild } from '../../child/index.js';
import { loadTaskConfig, readTrainingConfig } from '../../config/index.js';
import { MigflowError } from '../../errors.js';
import { trainingRunFiles } from './run-settings.js';
import type { TrainingProgress } from './train-run.js';
import type { TrainChildArgs, TrainRunInput, TrainStopDetails } from './types.js';
import { DEFAULT_BENCH_CONFIG, DEFAULT_WARM_START_STEPS } from './warm-start.js';

export const TRAIN_CHILD = fileURLToPath(new URL('./train-child.ts', import.meta.url));
/**
 * Bump when the stage's own handling changes what is published. The trainer's code enters the key by its digest,
 * so a change there misses the cache without a bump.
 */
const TRAIN_CODE_VERSION = 'train-1';
/** After SIGTERM the trainer checkpoints and exits; after this long it is killed. */
const STOP_GRACE_MS = 20_000;

/** Training stopped on request; `checkpoint` holds its state at the stop (absent when it saved none). */
export class TrainingStoppedError extends MigflowError {
  constructor(
    readonly checkpoint: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(`training stopped${checkpoint ? `; state saved in ${checkpoint}` : ''}`, options);
  }
}

export { autoNEnvs, parseWorkerNEnvs, runNEnvs, type WorkerNEnvs } from '../../rl/index.js';
export type { TrainingProgress } from './train-run.js';
export {
  DEFAULT_CHECKPOINT_EVERY_STEPS,
  divergenceHint,
  episodeSeed,
  type RunTrainingOptions,
  runTraining,
  trainerConfigFrom,
} from './train-run.js';
export { timeScalars, updateScalars } from './training-scalars.js';
export type { TrainChildArgs, TrainRunInput, TrainStopDetails } from './types.js';
export { createTrainEnv, type TokenTables, tokenTableSet } from './vec-env-host.js';
export { WorkerVecEnv } from './vec-env-workers.js';
export {
  DEFAULT_WARM_START_STEPS,
  type TeacherRunOptions,
  teacherDemonstrations,
  WARM_START_ENV_INDEX,
} from './warm-start.js';

export const trainStage: CachedStage<TrainRunInput, TrainRunSummary, TrainingProgress> = {
  name: 'train',

  async request(t) {
    // Validates the configs up front and names every file the policy depends on through them: a task's file, the
    // bench config it starts from and its overlay, the GPU and model files, the token tables — as the trainer
    // loads them.
    // A warm start's teacher and a held-out evaluation's traces read the bench config (a task's own with a task).
    // The evaluation settings themselves are in the training config (file and overrides), both already in the key.
    const evaluation = readTrainingConfig(t.trainingConfig, t.overrides).training.evaluation;
    const runFiles = trainingRunFiles({
      simulationConfigPath: t.simulationConfig,
      task: t.task ? loadTaskConfig(t.task) : undefined,
      syntheticTokens: t.syntheticTokens,
      readsBenchConfig: Boolean(t.warmStart || evaluation),
      benchConfigPath: t.benchConfig ?? DEFAULT_BENCH_CONFIG,
    });
    return {
      stage: 'train',
      codeVersion: `${TRAIN_CODE_VERSION}+${await bundledEntrySourceDigest(TRAIN_CHILD)}`,
      inputs: {
        overrides: t.overrides,
        seed: t.seed,
        totalSteps: t.totalSteps ?? null,
        checkpointEverySteps: t.checkpointEverySteps ?? null,
        syntheticTokens: t.syntheticTokens,
        task: t.task !== undefined,
        // Absent when off, so the keys of runs without a warm start stay what they were.
        ...(t.warmStart
          ? {
              warmStart: t.warmStart,
              warmStartSteps: t.warmStartSteps ?? DEFAULT_WARM_START_STEPS,
              // Absent at 0, so the keys of warm starts without DAgger stay what they were.
              ...(t.warmStartRounds ? { warmStartRounds: t.warmStartRounds } : {}),
            }
          : {}),
      },
      inputFiles: [t.trainingConfig, ...runFiles],
    };
  },

  async run(t, runDir, ctx: StageContext<TrainingProgress> = {}) {
    let stoppedAt: string | undefined;
    try {
      return await runChild<TrainChildArgs, TrainingProgress, TrainRunSummary>(
        TRAIN_CHILD,
        { ...t, runDir },
        {
          ...ctx,
          what: 'training',
          stopGraceMs: STOP_GRACE_MS,
          heartbeatEveryMs: 1_000,
          onCancelled: (details) => {
            stoppedAt = (details as TrainStopDetails | undefined)?.checkpoint;
          },
        },
      );
    } catch (err) {
      // The child names the checkpoint it wrote on the way out. Should that message not arrive (a child that could
      // not send it), the newest checkpoint in the run directory is the same resume point: each one is written
      // atomically, and a start removes those of any other timeline.
      if (ctx.signal?.aborted)
        throw new TrainingStoppedError(stoppedAt ?? resumePoint(runDir, undefined), { cause: err });
      throw err;
    }
  },
};

/**
 * Where a retry resumes: the newest periodic or stop checkpoint in the run directory, or `fromHeartbeat` if that
 * is newer (checkpoints are written atomically, so every `rl_model_<N>_steps` there is complete). After a worker
 * died its trainer still checkpoints its exact state before exiting, which no heartbeat could report.
 */
export function resumePoint(runDir: string, fromHeartbeat: string | undefined): string | undefined {
  let best = fromHeartbeat && existsSync(fromHeartbeat) ? fromHeartbeat : undefined;
  let bestSteps = best ? (checkpointSteps(best) ?? -1) : -1;
  const dir = join(runDir, 'checkpoints');
  if (existsSync(dir)) {
    for (const name of readdirSync(dir)) {
      const steps = checkpointSteps(name) ?? -1;
      if (steps > bestSteps) {
        best = join(dir, name);
        bestSteps = steps;
      }
    }
  }
  return best;
}
