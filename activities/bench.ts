/** `benchPolicy`: one policy on the shared benchmark trace, cached on configs (+ token files) and bench settings. */
import { Context } from '@temporalio/activity';
import { comparisonEntry, resolvePolicies, runBench, writeTrialFiles } from '../core/bench/index.js';
import { resolveFrom } from '../core/cache/index.js';
import { loadBenchConfig } from '../core/config/bench.js';
import { parseConfig } from '../core/config/load.js';
import { loadSimulationConfig } from '../core/config/simulation.js';
import { checkTrainingCoversSimulation, loadTrainingConfig } from '../core/config/training.js';
import { loadTokenTables, syntheticTokenTables, tokenTableFiles } from '../core/rl/env/token-tables.js';
import { BaselinePolicy, type BenchPolicyResult, BenchStageInput } from '../workflows/inputs.js';
import type { ActivityDeps } from './deps.js';
import { withFailures } from './failures.js';

/** Bump when the bench's numbers would change for the same inputs. */
const BENCH_CODE_VERSION = 'bench-1';

export function createBenchActivities(deps: ActivityDeps) {
  return {
    async benchPolicy(raw: {
      policy: BaselinePolicy;
      settings: BenchStageInput;
    }): Promise<BenchPolicyResult> {
      return withFailures(async () => {
        const policy = parseConfig('benchPolicy input', raw.policy, BaselinePolicy);
        const s = parseConfig('benchPolicy input', raw.settings, BenchStageInput);
        const started = Date.now();
        const files = {
          simulation: resolveFrom(deps.projectRoot, s.simulationConfig),
          training: resolveFrom(deps.projectRoot, s.trainingConfig),
          bench: resolveFrom(deps.projectRoot, s.benchConfig),
        };
        const simulation = loadSimulationConfig(files.simulation);
        const training = loadTrainingConfig(files.training);
        checkTrainingCoversSimulation(training, simulation);
        const bench = loadBenchConfig(files.bench);
        const seed = s.seed ?? bench.seed;
        const tokenFiles = s.syntheticTokens ? [] : tokenTableFiles(simulation);
        const ctx = Context.current();
        const entry = await deps.cache.run(
          {
            stage: 'bench',
            codeVersion: BENCH_CODE_VERSION,
            inputs: { policy, steps: s.steps ?? null, seed, syntheticTokens: s.syntheticTokens },
            inputFiles: [files.simulation, files.training, files.bench, ...tokenFiles],
          },
          async (outDir) => {
            ctx.heartbeat({ policy, phase: 'running' });
            const tokens = s.syntheticTokens ? syntheticTokenTables(seed) : loadTokenTables(simulation);
            const { prepared, trials } = runBench(
              {
                simulation,
                training,
                bench,
                tokens,
                seed,
                ...(s.steps !== undefined ? { steps: s.steps } : {}),
              },
              resolvePolicies([policy]),
            );
            const trial = trials[0]!;
            writeTrialFiles(outDir, prepared, trial);
            return { totalRequests: prepared.trace.totalRequests, entry: comparisonEntry(trial) };
          },
        );
        return {
          policy,
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
