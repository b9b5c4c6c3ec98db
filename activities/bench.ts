/**
 * `benchPolicy`: one policy on the shared benchmark trace (core/stages/bench), cached on the configs (+ token
 * files), the checkpoint and trace contents and the bench settings; heartbeats while the trial's child process
 * runs and stops it on cancellation.
 */
import { Context } from '@temporalio/activity';
import { z } from 'zod';
import {
  type BenchPolicyArgs,
  BenchPolicyName,
  type BenchPolicyResult,
  BenchStageInput,
} from '../contracts/index.js';
import { resolveFrom } from '../core/cache/index.js';
import { parseConfig } from '../core/config/index.js';
import { type BenchTrialInput, benchStage } from '../core/stages/bench/index.js';
import { entryFacts } from './activity.js';
import type { ActivityDeps } from './deps.js';
import { withFailures } from './failures.js';
import { requireInputFiles } from './input-files.js';

const CheckpointPath = z.string({ error: 'an RL trial needs a checkpoint directory' }).min(1);

export function createBenchActivities(deps: ActivityDeps) {
  return {
    /** One trial: a baseline by name, or `policy: 'rl'` with a checkpoint directory. */
    async benchPolicy(raw: BenchPolicyArgs): Promise<BenchPolicyResult> {
      return withFailures(async () => {
        const policy =
          raw.policy === 'rl' ? 'rl' : parseConfig('benchPolicy input', raw.policy, BenchPolicyName);
        const s = parseConfig('benchPolicy input', raw.settings, BenchStageInput);
        const path = (p: string) => resolveFrom(deps.projectRoot, p);
        // Checkpoints and the working simulation config may come from another host: read through the store.
        const checkpoint =
          policy === 'rl'
            ? await deps.cache.localPath(
                path(parseConfig('benchPolicy input', raw.checkpoint, CheckpointPath)),
              )
            : undefined;
        const trial: BenchTrialInput = {
          policy,
          ...(checkpoint ? { checkpoint } : {}),
          ...(s.trace ? { trace: { ...s.trace, file: path(s.trace.file) } } : {}),
          figures: s.figures,
          ...(s.chromeTrace ? { chromeTrace: true } : {}),
          // A suite name (easy, medium, hard) stays a name; a task file is a path from the project root.
          ...(s.task ? { task: /\.ya?ml$/.test(s.task) ? path(s.task) : s.task } : {}),
          simulationConfig: await deps.cache.localPath(path(s.simulationConfig)),
          trainingConfig: path(s.trainingConfig),
          benchConfig: path(s.benchConfig),
          syntheticTokens: s.syntheticTokens,
          ...(s.seed !== undefined ? { seed: s.seed } : {}),
          ...(s.steps !== undefined ? { steps: s.steps } : {}),
          ...(s.start !== 'own' ? { start: s.start } : {}),
        };
        requireInputFiles('benchPolicy', {
          'settings.simulationConfig': trial.simulationConfig,
          'settings.trainingConfig': trial.trainingConfig,
          'settings.benchConfig': trial.benchConfig,
          'settings.trace.file': trial.trace?.file,
          checkpoint: trial.checkpoint,
        });
        const started = Date.now();
        const ctx = Context.current();
        const entry = await deps.cache.run(await benchStage.request(trial), (outDir) =>
          benchStage.run(trial, outDir, {
            signal: ctx.cancellationSignal,
            heartbeat: () => ctx.heartbeat({ policy, runningS: Math.round((Date.now() - started) / 1000) }),
            env: deps.childEnv,
          }),
        );
        const summary = entry.manifest.summary;
        return {
          policy: summary.entry.policy,
          ...(checkpoint ? { checkpoint } : {}),
          ...entryFacts(entry),
          totalRequests: summary.totalRequests,
          entry: summary.entry,
          durationMs: Date.now() - started,
        };
      });
    },
  };
}
