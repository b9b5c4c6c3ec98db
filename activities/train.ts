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
  type ExpandGridArgs,
  type GridExpansion,
  type TrainHeartbeat,
  TrainPolicyArgs,
  type TrainPolicyResult,
  type TrainProgress,
  type TrainRunSummary,
} from '../contracts/index.js';
import { trainProgressSignal } from '../contracts/temporal/index.js';
import { resolveFrom, sha256Hex, WORK_DIR } from '../core/cache/index.js';
import { expandTrainingGrid } from '../core/config/index.js';
import {
  resumePoint,
  TrainingStoppedError,
  type TrainRunInput,
  trainStage,
} from '../core/stages/train/index.js';
import { entryFacts, parsedActivity } from './activity.js';
import type { ActivityDeps } from './deps.js';
import { withFailures } from './failures.js';
import { requireInputFiles } from './input-files.js';

/** Progress signals to the workflow at most this often (each is a history event), except at checkpoints. */
const SIGNAL_EVERY_MS = 5_000;

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
        const input: TrainRunInput = {
          trainingConfig: resolveFrom(deps.projectRoot, a.trainingConfig),
          simulationConfig: resolveFrom(deps.projectRoot, a.simulationConfig),
          overrides: a.overrides,
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
        const workDir = join(deps.cache.root, 'train', WORK_DIR, `${key}-${owner.slice(0, 10)}`);

        const entry = await deps.cache.run<TrainRunSummary & { attempt: number }>(request, async (outDir) => {
          const previous = info.heartbeatDetails as TrainHeartbeat | undefined;
          // A first attempt starts clean; a retry continues this activity's own run.
          const resumeFrom =
            info.attempt > 1 || previous ? resumePoint(workDir, previous?.lastCheckpoint) : undefined;
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
          let lastSignal = 0;
          let signalledCheckpoint: string | undefined;
          const report = (force: boolean) => {
            const now = Date.now();
            if (!wf || (!force && now - lastSignal < SIGNAL_EVERY_MS)) return;
            lastSignal = now;
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
                  p.lastCheckpoint !== undefined && p.lastCheckpoint !== signalledCheckpoint;
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
                if (newCheckpoint) signalledCheckpoint = p.lastCheckpoint;
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
            if ((err as { userFixable?: boolean }).userFixable)
              rmSync(workDir, { recursive: true, force: true });
            throw err;
          }
          moveContents(workDir, outDir);
          // Published: nothing is left to resume, so the run directory goes too.
          rmSync(workDir, { recursive: true, force: true });
          return { ...summary, attempt: info.attempt };
        });
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
