/**
 * One benchmark trial as its own process, so the worker that asked for it keeps its event loop free for heartbeats
 * and cancellation while the simulator runs (seconds to minutes of pure CPU).
 *
 *   node --import tsx core/bench/trial-process.ts '<json TrialProcessArgs>'
 *
 * Writes results_<RUN_NAME>.txt/.json into `outDir` and prints one JSON line `{ totalRequests, entry }` last.
 */
import { loadBenchConfig } from '../config/bench.js';
import { loadSimulationConfig } from '../config/simulation.js';
import { checkTrainingCoversSimulation, loadTrainingConfig } from '../config/training.js';
import { MigflowError } from '../errors.js';
import { loadTokenTables, syntheticTokenTables } from '../rl/env/token-tables.js';
import { resolvePolicies } from './registry.js';
import { comparisonEntry, writeTrialFiles } from './report.js';
import { runBench } from './runner.js';

export interface TrialProcessArgs {
  policy: string;
  simulationConfig: string;
  trainingConfig: string;
  benchConfig: string;
  seed?: number;
  steps?: number;
  syntheticTokens: boolean;
  outDir: string;
}

export function runTrialToDir(a: TrialProcessArgs) {
  const simulation = loadSimulationConfig(a.simulationConfig);
  const training = loadTrainingConfig(a.trainingConfig);
  checkTrainingCoversSimulation(training, simulation);
  const bench = loadBenchConfig(a.benchConfig);
  const seed = a.seed ?? bench.seed;
  const tokens = a.syntheticTokens ? syntheticTokenTables(seed) : loadTokenTables(simulation);
  const { prepared, trials } = runBench(
    { simulation, training, bench, tokens, seed, ...(a.steps !== undefined ? { steps: a.steps } : {}) },
    resolvePolicies([a.policy]),
  );
  const trial = trials[0]!;
  writeTrialFiles(a.outDir, prepared, trial);
  return { totalRequests: prepared.trace.totalRequests, entry: comparisonEntry(trial) };
}

if (process.argv[1]?.endsWith('trial-process.ts')) {
  try {
    const result = runTrialToDir(JSON.parse(process.argv[2] ?? '{}') as TrialProcessArgs);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } catch (err) {
    // A user-fixable error travels back typed, so the activity can fail without retries.
    const typed =
      err instanceof MigflowError
        ? { name: err.name, message: err.message, userFixable: err.userFixable }
        : undefined;
    process.stdout.write(
      `${JSON.stringify({ error: typed ?? { name: 'Error', message: String(err instanceof Error ? err.stack : err), userFixable: false } })}\n`,
    );
    process.exitCode = 1;
  }
}
