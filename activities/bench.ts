/**
 * `benchPolicy`: one policy on the shared benchmark trace, cached on the configs (+ token files) and bench settings.
 * The trial runs in a child process (core/bench/trial-process.ts); this activity heartbeats while it runs and kills
 * it on cancellation.
 */
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { execa } from 'execa';
import { z } from 'zod';
import {
  BaselinePolicy,
  type BenchEntry,
  type BenchPolicyResult,
  BenchStageInput,
} from '../contracts/index.js';
import { trialCodeDigest, trialProcessArgv } from '../core/bench/index.js';
import { resolveFrom } from '../core/cache/index.js';
import { parseConfig } from '../core/config/load.js';
import { loadSimulationConfig } from '../core/config/simulation.js';
import { checkpointRunName } from '../core/control/index.js';
import { tokenTableFiles } from '../core/workload/index.js';
import type { ActivityDeps } from './deps.js';
import { withFailures } from './failures.js';

const CheckpointPath = z.string({ error: 'an RL trial needs a checkpoint directory' }).min(1);

/**
 * Bump when the activity's own handling of a trial changes what is published. The trial's code (simulator,
 * policies, metrics) enters the key by its digest, so a change there misses the cache without a bump.
 */
const BENCH_CODE_VERSION = 'bench-3';

export function createBenchActivities(deps: ActivityDeps) {
  return {
    /** One trial: a baseline by name, or `policy: 'rl'` with a checkpoint directory. */
    async benchPolicy(raw: {
      policy: BaselinePolicy | 'rl';
      checkpoint?: string;
      settings: BenchStageInput;
    }): Promise<BenchPolicyResult> {
      return withFailures(async () => {
        const policy =
          raw.policy === 'rl' ? 'rl' : parseConfig('benchPolicy input', raw.policy, BaselinePolicy);
        const s = parseConfig('benchPolicy input', raw.settings, BenchStageInput);
        const checkpoint =
          policy === 'rl'
            ? resolveFrom(deps.projectRoot, parseConfig('benchPolicy input', raw.checkpoint, CheckpointPath))
            : undefined;
        const trace = s.trace ? { ...s.trace, file: resolveFrom(deps.projectRoot, s.trace.file) } : undefined;
        const started = Date.now();
        const files = {
          simulationConfig: resolveFrom(deps.projectRoot, s.simulationConfig),
          trainingConfig: resolveFrom(deps.projectRoot, s.trainingConfig),
          benchConfig: resolveFrom(deps.projectRoot, s.benchConfig),
        };
        // Validates the simulation config up front and names the token files the numbers depend on.
        const tokenFiles =
          s.syntheticTokens || trace ? [] : tokenTableFiles(loadSimulationConfig(files.simulationConfig));
        const ctx = Context.current();
        const entry = await deps.cache.run(
          {
            stage: 'bench',
            codeVersion: `${BENCH_CODE_VERSION}+${await trialCodeDigest()}`,
            // The checkpoint and the trace enter by content (inputFiles), not by path.
            inputs: {
              policy,
              // Output file names carry it, so the same weights under another run name are another entry.
              runName: checkpoint ? checkpointRunName(checkpoint) : null,
              steps: s.steps ?? null,
              seed: s.seed ?? null,
              syntheticTokens: s.syntheticTokens,
              traceAgents: trace
                ? { agent: trace.agent ?? null, agentByModel: trace.agentByModel ?? null }
                : null,
              figures: s.figures,
            },
            inputFiles: [
              files.simulationConfig,
              files.trainingConfig,
              files.benchConfig,
              ...tokenFiles,
              ...(checkpoint ? [join(checkpoint, 'checkpoint.json'), join(checkpoint, 'tensors.bin')] : []),
              ...(trace ? [trace.file] : []),
            ],
          },
          async (outDir) => {
            const args = {
              policy,
              ...(checkpoint ? { checkpoint } : {}),
              ...(trace ? { trace } : {}),
              figures: s.figures,
              ...files,
              syntheticTokens: s.syntheticTokens,
              outDir,
              ...(s.seed !== undefined ? { seed: s.seed } : {}),
              ...(s.steps !== undefined ? { steps: s.steps } : {}),
            };
            const beat = setInterval(
              () => ctx.heartbeat({ policy, runningS: Math.round((Date.now() - started) / 1000) }),
              2_000,
            );
            try {
              const child = await execa(process.execPath, await trialProcessArgv(args), {
                cancelSignal: ctx.cancellationSignal,
                env: { ...process.env, ...deps.childEnv },
                reject: false,
                // execa's exit-time cleanup re-raises SIGTERM after Temporal's shutdown handler, killing the worker
                // (exit 143) before its graceful shutdown. The trial is one-shot and exits by itself when done.
                cleanup: false,
              });
              if (ctx.cancellationSignal.aborted) throw ctx.cancellationSignal.reason;
              const last = child.stdout.trim().split('\n').at(-1) ?? '';
              const out = JSON.parse(last || '{}') as {
                totalRequests?: number;
                entry?: BenchEntry;
                error?: { name: string; message: string; userFixable: boolean };
              };
              if (out.error) {
                throw ApplicationFailure.create({
                  message: out.error.message,
                  type: out.error.name,
                  nonRetryable: out.error.userFixable,
                });
              }
              if (!out.entry || out.totalRequests === undefined) {
                throw new Error(
                  `bench trial process exited ${child.exitCode} without a result: ${String(child.stderr).slice(-2000)}`,
                );
              }
              return { totalRequests: out.totalRequests, entry: out.entry };
            } finally {
              clearInterval(beat);
            }
          },
        );
        return {
          policy: entry.manifest.summary.entry.policy,
          ...(checkpoint ? { checkpoint } : {}),
          cacheKey: entry.key,
          hit: entry.hit,
          dir: entry.dir,
          totalRequests: entry.manifest.summary.totalRequests,
          entry: entry.manifest.summary.entry,
          durationMs: Date.now() - started,
        };
      });
    },
  };
}
