/**
 * `trainPolicy`: one Maskable PPO run (core/stages/train) in a child process on the GPU-pinned worker, with its GPU
 * visible; cached on the training config + overrides + simulation config + seed + code version. The activity
 * heartbeats progress (the last checkpoint is the resume point: a retry after a dead worker continues from it),
 * reports progress to its TrainWorkflow by signal, and on cancellation stops the trainer, which checkpoints and
 * exits.
 *
 * `expandGridSearch`: reads grid_search.yaml and the training config, validates every trial's config and returns
 * the trials' ids and params (GridSearchWorkflow cannot read files).
 */
import { mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  checkpointSteps,
  type ExpandGridArgs,
  type GridExpansion,
  type TrainHeartbeat,
  TrainPolicyArgs,
  type TrainPolicyResult,
  type TrainProgress,
  type TrainRunSummary,
} from '../contracts/index.js';
import { trainProgressSignal } from '../contracts/temporal/index.js';
import { RunMirror, resolveFrom, sha256Hex, WORK_DIR } from '../core/cache/index.js';
import { expandTrainingGrid } from '../core/config/index.js';
import {
  resumePoint,
  runNEnvs,
  TrainingStoppedError,
  type TrainRunInput,
  trainStage,
} from '../core/stages/train/index.js';
import { entryFacts, parsedActivity } from './activity.js';
import type { ActivityDeps } from './deps.js';
import { withFailures } from './failures.js';
import { requireInputFiles } from './input-files.js';
import { ProgressCadence } from './progress-cadence.js';

function moveContents(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from)) renameSync(join(from, name), join(to, name));
  rmSync(from, { recursive: true, force: true });
}

export function createTrainActivities(deps: ActivityDeps) {
  return {
    async trainPolicy(raw: TrainPolicyArgs): Promise<TrainPolicyResult> {
      return parsedActivity('trainPolicy', TrainPolicyArgs, raw, async (a, ctx, started) => {
        const info = ctx.info;
        // `auto` and the worker's default become a number here, so the cache key holds the number that really ran.
        const nEnvs = runNEnvs({
          requested: a.nEnvs,
          overrides: a.overrides,
          workerDefault: deps.trainNEnvs ?? 'config',
        });
        const input: TrainRunInput = {
          trainingConfig: resolveFrom(deps.projectRoot, a.trainingConfig),
          // The working simulation config may live on the orchestration host: read it through the store.
          simulationConfig: await deps.cache.localPath(resolveFrom(deps.projectRoot, a.simulationConfig)),
          overrides: nEnvs === undefined ? a.overrides : { ...a.overrides, 'training.PPO.n_envs': nEnvs },
          ...(a.warmStart
            ? {
                warmStart: a.warmStart,
                ...(a.warmStartSteps !== undefined ? { warmStartSteps: a.warmStartSteps } : {}),
                ...(a.warmStartRounds ? { warmStartRounds: a.warmStartRounds } : {}),
                benchConfig: resolveFrom(deps.projectRoot, a.benchConfig ?? 'configs/bench_config.yaml'),
              }
            : {}),
          seed: a.seed,
          syntheticTokens: a.syntheticTokens,
          ...(a.totalSteps !== undefined ? { totalSteps: a.totalSteps } : {}),
          ...(a.checkpointEverySteps !== undefined ? { checkpointEverySteps: a.checkpointEverySteps } : {}),
        };
        requireInputFiles('trainPolicy', {
          trainingConfig: input.trainingConfig,
          simulationConfig: input.simulationConfig,
        });
        const request = await trainStage.request(input);
        const { key } = await deps.cache.key(request);
        // The run directory outlives a failed attempt (the cache's build dir does not), so a retry can resume in it.
        // It is private to this activity execution: another workflow training the same key does not share it.
        const wf = info.workflowExecution;
        const owner = sha256Hex(`${wf?.workflowId}/${wf?.runId}/${info.activityId}`);
        const runName = `${key}-${owner.slice(0, 10)}`;
        const workDir = join(deps.cache.root, 'train', WORK_DIR, runName);
        // With a shared store each checkpoint is uploaded as it is written, so a retry on another host resumes.
        // TensorBoard's event file is appended in place and rebuilt on resume: not uploaded.
        const mirror = new RunMirror(deps.cache.remote, `train/${WORK_DIR}/${runName}`, workDir, {
          exclude: ['tensorboard'],
          log: (line) => ctx.log.info(line),
        });

        const entry = await deps.cache.run<TrainRunSummary & { attempt: number }>(request, async (outDir) => {
          const previous = info.heartbeatDetails as TrainHeartbeat | undefined;
          // A first attempt starts clean; a retry continues this activity's own run (fetched from the store when
          // the attempt before ran on another host).
          const retry = info.attempt > 1 || previous !== undefined;
          if (retry)
            await mirror.restore(checkpointSteps(resumePoint(workDir, undefined) ?? '') ?? undefined);
          const resumeFrom = retry ? resumePoint(workDir, previous?.lastCheckpoint) : undefined;
          if (!resumeFrom) rmSync(workDir, { recursive: true, force: true });
          mkdirSync(workDir, { recursive: true });

          let latest: TrainHeartbeat = {
            steps: previous?.steps ?? 0,
            totalSteps: a.totalSteps ?? null,
            episodes: previous?.episodes ?? 0,
            attempt: info.attempt,
            ...(resumeFrom ? { lastCheckpoint: resumeFrom } : {}),
          };
          ctx.heartbeat(latest);
          // Bounded by the run's steps (see progress-cadence.ts); the heartbeat details stay current in between.
          const cadence = new ProgressCadence();
          // The checkpoint last copied to the store (each new one is, so another host can resume).
          let mirroredCheckpoint: string | undefined;
          // `atCheckpoint`: always sent — a SearchWorkflow's pruner judges trials on the reward at checkpoints, and
          // checkpoints are few (total / checkpoint cadence), so history stays bounded.
          const report = (atCheckpoint = false) => {
            if (!wf) return;
            if (!cadence.due(latest.steps, latest.totalSteps, Date.now()) && !atCheckpoint) return;
            const p: TrainProgress = { phase: 'training', ...latest };
            // Best effort: progress in the UI must never fail the training.
            try {
              void ctx.client.workflow
                .getHandle(wf.workflowId, wf.runId)
                .signal(trainProgressSignal, p)
                .catch(() => {});
            } catch {
              // No client (e.g. MockActivityEnvironment): nothing to report to.
            }
          };
          let summary: TrainRunSummary;
          try {
            summary = await trainStage.run({ ...input, ...(resumeFrom ? { resumeFrom } : {}) }, workDir, {
              signal: ctx.cancellationSignal,
              env: deps.childEnv,
              heartbeat: () => ctx.heartbeat(latest),
              progress: (p) => {
                const newCheckpoint =
                  p.lastCheckpoint !== undefined && p.lastCheckpoint !== mirroredCheckpoint;
                latest = {
                  steps: p.steps,
                  totalSteps: p.totalSteps,
                  episodes: p.episodes,
                  backend: p.backend,
                  attempt: info.attempt,
                  ...(p.meanEpisodeReward !== undefined && Number.isFinite(p.meanEpisodeReward)
                    ? { meanEpisodeReward: p.meanEpisodeReward }
                    : {}),
                  ...(p.lastCheckpoint ? { lastCheckpoint: p.lastCheckpoint } : {}),
                };
                ctx.heartbeat(latest);
                if (newCheckpoint) {
                  mirror.snapshot(checkpointSteps(p.lastCheckpoint!) ?? p.steps);
                  mirroredCheckpoint = p.lastCheckpoint;
                }
                report(newCheckpoint);
              },
            });
          } catch (err) {
            if (ctx.cancellationSignal.aborted) {
              // The last details travel with the cancellation: a retry (worker shutdown) resumes from them.
              if (err instanceof TrainingStoppedError && err.checkpoint) {
                latest = { ...latest, lastCheckpoint: err.checkpoint };
              }
              ctx.heartbeat(latest);
              throw ctx.cancellationSignal.reason;
            }
            // A run that can never succeed leaves nothing to resume.
            if ((err as { userFixable?: boolean }).userFixable) {
              await mirror.discard().catch(() => {});
              rmSync(workDir, { recursive: true, force: true });
            }
            throw err;
          }
          // No snapshot may be linking files while they move.
          await mirror.idle();
          moveContents(workDir, outDir);
          // Published: nothing is left to resume, so the run directory goes too.
          rmSync(workDir, { recursive: true, force: true });
          return { ...summary, attempt: info.attempt };
        });
        // Nothing is left to resume either (best effort: `migflow cache gc` removes stale snapshots a day later).
        await mirror.discard().catch((err) => ctx.log.warn(`run snapshots not removed: ${String(err)}`));
        const s = entry.manifest.summary;
        return {
          ...s,
          ...entryFacts(entry),
          finalCheckpoint: join(entry.dir, s.finalCheckpoint),
          bestCheckpoint: join(entry.dir, s.bestCheckpoint),
          cudaVisibleDevices: s.cudaVisibleDevices ?? null,
          durationMs: Date.now() - started,
        };
      });
    },

    async expandGridSearch(raw: ExpandGridArgs): Promise<GridExpansion> {
      return withFailures(async () => {
        const trials = expandTrainingGrid(
          resolveFrom(deps.projectRoot, raw.gridConfig),
          resolveFrom(deps.projectRoot, raw.trainingConfig),
          raw.overrides ?? {},
        );
        return { trials: trials.map((t) => ({ trialKey: t.id, index: t.index, params: { ...t.params } })) };
      });
    },
  };
}
