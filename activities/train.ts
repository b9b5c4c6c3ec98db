/**
 * `trainPolicy`: one Maskable PPO run in a child process (core/rl/train/train-process.ts) started by the GPU-pinned
 * worker with its GPU visible; cached on the training config + overrides + simulation config + seed + code version.
 * The activity heartbeats progress (the last checkpoint is the resume point: a retry after a dead worker continues
 * from it), reports progress to its TrainWorkflow by signal, and on cancellation SIGTERMs the trainer, which
 * checkpoints and exits.
 *
 * `expandGridSearch`: reads grid_search.yaml and the training config, validates every trial's config and returns
 * the trials' ids and params (GridSearchWorkflow cannot read files).
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { execa } from 'execa';
import { z } from 'zod';
import {
  checkpointSteps,
  type ExpandGridArgs,
  type GridExpansion,
  paramsSummary,
  type TrainHeartbeat,
  TrainPolicyArgs,
  type TrainPolicyResult,
  type TrainProgress,
} from '../contracts/index.js';
import { trainProgressSignal } from '../contracts/temporal/index.js';
import { resolveFrom, sha256Hex, WORK_DIR } from '../core/cache/index.js';
import { expandGrid, loadGridSearchConfig } from '../core/config/grid-search.js';
import { parseConfig, parseYamlConfig, readConfigText } from '../core/config/load.js';
import { loadSimulationConfig } from '../core/config/simulation.js';
import { trainingConfigSchema } from '../core/config/training.js';
import { applyTrainingOverrides } from '../core/config/training-overrides.js';
import type { TrainProcessArgs, TrainProcessMessage } from '../core/rl/index.js';
import { bundledEntryArgv, bundledEntrySourceDigest } from '../core/util/bundled-entry.js';
import { tokenTableFiles } from '../core/workload/index.js';
import type { ActivityDeps } from './deps.js';
import { withFailures } from './failures.js';

/**
 * Bump when the activity's own handling changes what is published. The trainer's code enters the key by its
 * digest, so a change there misses the cache without a bump.
 */
const TRAIN_CODE_VERSION = 'train-1';
const TRAIN_PROCESS = fileURLToPath(new URL('../core/rl/train/train-process.ts', import.meta.url));
/** Heartbeat at least this often even without progress (the server's throttle keeps it cheap). */
const HEARTBEAT_EVERY_MS = 1_000;
/** Progress signals to the workflow at most this often (each is a history event), except at checkpoints. */
const SIGNAL_EVERY_MS = 5_000;
/** After SIGTERM the trainer checkpoints and exits; after this long it is killed. */
const STOP_GRACE_MS = 20_000;

/** What the cache manifest keeps: paths relative to the entry, so the entry can move. */
interface TrainSummary {
  finalCheckpoint: string;
  bestCheckpoint: string;
  steps: number;
  episodes: number;
  meanEpisodeReward: number | null;
  backend: string;
  cudaVisibleDevices: string | null;
  resumedFromSteps: number | null;
  attempt: number;
}

/**
 * Where a retry resumes: the newest periodic or stop checkpoint in the run directory, or the heartbeat's if that is
 * newer (checkpoints are written atomically, so every `rl_model_<N>_steps` there is complete). After a worker died
 * its trainer still checkpoints its exact state before exiting, which no heartbeat could report.
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

function moveContents(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from)) renameSync(join(from, name), join(to, name));
  rmSync(from, { recursive: true, force: true });
}

export function createTrainActivities(deps: ActivityDeps) {
  return {
    async trainPolicy(raw: TrainPolicyArgs): Promise<TrainPolicyResult> {
      return withFailures(async () => {
        const a = parseConfig('trainPolicy input', raw, TrainPolicyArgs);
        const started = Date.now();
        const ctx = Context.current();
        const info = ctx.info;
        const files = {
          trainingConfig: resolveFrom(deps.projectRoot, a.trainingConfig),
          simulationConfig: resolveFrom(deps.projectRoot, a.simulationConfig),
        };
        // Validates the simulation config up front and names the token files the policy depends on.
        const tokenFiles = a.syntheticTokens
          ? []
          : tokenTableFiles(loadSimulationConfig(files.simulationConfig));
        const request = {
          stage: 'train',
          codeVersion: `${TRAIN_CODE_VERSION}+${await bundledEntrySourceDigest(TRAIN_PROCESS)}`,
          inputs: {
            overrides: a.overrides,
            seed: a.seed,
            totalSteps: a.totalSteps ?? null,
            checkpointEverySteps: a.checkpointEverySteps ?? null,
            syntheticTokens: a.syntheticTokens,
          },
          inputFiles: [files.trainingConfig, files.simulationConfig, ...tokenFiles],
        };
        const { key } = await deps.cache.key(request);
        // The run directory outlives a failed attempt (the cache's build dir does not), so a retry can resume in it.
        // It is private to this activity execution: another workflow training the same key does not share it.
        const wf = info.workflowExecution;
        const owner = sha256Hex(`${wf?.workflowId}/${wf?.runId}/${info.activityId}`);
        const workDir = join(deps.cache.root, 'train', WORK_DIR, `${key}-${owner.slice(0, 10)}`);

        const entry = await deps.cache.run<TrainSummary>(request, async (outDir) => {
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
          const beat = setInterval(() => ctx.heartbeat(latest), HEARTBEAT_EVERY_MS);

          const args: TrainProcessArgs = {
            trainingConfigPath: files.trainingConfig,
            simulationConfigPath: files.simulationConfig,
            overrides: a.overrides,
            runDir: workDir,
            seed: a.seed,
            syntheticTokens: a.syntheticTokens,
            ...(a.totalSteps !== undefined ? { totalSteps: a.totalSteps } : {}),
            ...(a.checkpointEverySteps !== undefined ? { checkpointEverySteps: a.checkpointEverySteps } : {}),
            ...(resumeFrom ? { resumeFrom } : {}),
          };
          let result: Extract<TrainProcessMessage, { type: 'result' }>['result'] | undefined;
          let failure: Extract<TrainProcessMessage, { type: 'error' }>['error'] | undefined;
          let stderrTail = '';
          try {
            const child = execa(
              process.execPath,
              await bundledEntryArgv(TRAIN_PROCESS, [JSON.stringify(args)]),
              {
                cwd: deps.projectRoot,
                env: { ...process.env, ...deps.childEnv },
                ipc: true,
                stdin: 'ignore',
                stdout: 'ignore',
                buffer: false,
                reject: false,
                // execa's exit-time cleanup re-raises SIGTERM once Temporal's own handler is done, killing the worker
                // before its graceful shutdown can stop the trainer cleanly. The trainer exits by itself when the worker
                // is gone (IPC disconnect), so the cleanup is not needed.
                cleanup: false,
                cancelSignal: ctx.cancellationSignal,
                killSignal: 'SIGTERM',
                forceKillAfterDelay: STOP_GRACE_MS,
              },
            );
            child.stderr?.on('data', (c: Buffer) => {
              stderrTail = (stderrTail + c.toString()).slice(-4000);
            });
            child.on('message', (m: TrainProcessMessage) => {
              if (m.type === 'progress') {
                const p = m.progress;
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
              } else if (m.type === 'aborted') {
                if (m.checkpoint) latest = { ...latest, lastCheckpoint: m.checkpoint };
                ctx.heartbeat(latest);
              } else if (m.type === 'result') {
                result = m.result;
              } else if (m.type === 'error') {
                failure = m.error;
              }
            });
            const exit = await child;
            if (ctx.cancellationSignal.aborted) {
              // The last details travel with the cancellation: a retry (worker shutdown) resumes from them.
              ctx.heartbeat(latest);
              throw ctx.cancellationSignal.reason;
            }
            if (failure) {
              if (failure.userFixable) rmSync(workDir, { recursive: true, force: true });
              throw ApplicationFailure.create({
                message: failure.message,
                type: failure.name,
                nonRetryable: failure.userFixable,
              });
            }
            if (!result) {
              throw new Error(
                `training process exited ${exit.exitCode ?? exit.signal} without a result: ${stderrTail.slice(-2000)}`,
              );
            }
          } finally {
            clearInterval(beat);
          }
          const rel = (p: string) => relative(workDir, p);
          const summary: TrainSummary = {
            finalCheckpoint: rel(result.finalCheckpoint),
            bestCheckpoint: rel(result.bestCheckpoint),
            steps: result.steps,
            episodes: result.episodes,
            meanEpisodeReward: result.meanEpisodeReward,
            backend: result.backend,
            cudaVisibleDevices: result.cudaVisibleDevices,
            resumedFromSteps: resumeFrom ? checkpointSteps(resumeFrom) : null,
            attempt: info.attempt,
          };
          moveContents(workDir, outDir);
          // Published: nothing is left to resume, so the run directory goes too.
          rmSync(workDir, { recursive: true, force: true });
          return summary;
        });
        const s = entry.manifest.summary;
        return {
          cacheKey: entry.key,
          hit: entry.hit,
          dir: entry.dir,
          finalCheckpoint: join(entry.dir, s.finalCheckpoint),
          bestCheckpoint: join(entry.dir, s.bestCheckpoint),
          steps: s.steps,
          episodes: s.episodes,
          meanEpisodeReward: s.meanEpisodeReward,
          backend: s.backend,
          cudaVisibleDevices: s.cudaVisibleDevices ?? null,
          resumedFromSteps: s.resumedFromSteps,
          attempt: s.attempt,
          durationMs: Date.now() - started,
        };
      });
    },

    async expandGridSearch(raw: ExpandGridArgs): Promise<GridExpansion> {
      return withFailures(async () => {
        const gridFile = resolveFrom(deps.projectRoot, raw.gridConfig);
        const trainingFile = resolveFrom(deps.projectRoot, raw.trainingConfig);
        const grid = loadGridSearchConfig(gridFile);
        const parsed = parseYamlConfig(
          trainingFile,
          readConfigText(trainingFile),
          z.record(z.string(), z.unknown()),
        );
        const base = applyTrainingOverrides(trainingFile, parsed, raw.overrides ?? {});
        // Every trial's config is validated before any trial starts: a swept value out of range fails the search now.
        const trials = expandGrid(grid, base, {
          validate: (config, t) =>
            void parseConfig(
              `${gridFile} (trial ${t.id}: ${paramsSummary(t.params)})`,
              config,
              trainingConfigSchema,
            ),
        });
        return { trials: trials.map((t) => ({ trialKey: t.id, index: t.index, params: { ...t.params } })) };
      });
    },
  };
}
