/**
 * `migflow bench`: runs baseline policies locally (no Temporal) on one shared seeded workload, writes the
 * reference's result files per policy plus a comparison, and prints the comparison table.
 */
import { mkdirSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import {
  comparisonTable,
  resolvePolicies,
  runBench,
  writeComparison,
  writeTrialFiles,
} from '../../core/bench/index.js';
import { loadBenchConfig } from '../../core/config/bench.js';
import { loadSimulationConfig } from '../../core/config/simulation.js';
import { checkTrainingCoversSimulation, loadTrainingConfig } from '../../core/config/training.js';
import { loadTokenTables, syntheticTokenTables } from '../../core/rl/env/token-tables.js';

function positiveWhole(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number ≥ 1');
  return n;
}

function wholeNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number');
  return n;
}

export function registerBenchCommand(program: Command): void {
  program
    .command('bench')
    .description('benchmark baseline policies in the simulator on one shared workload')
    .requiredOption('--bl <names...>', 'policies: static_no_mig, static_split_extreme, heuristic, or all')
    .option('--steps <n>', 'decisions per trial (default benchmark-length)', positiveWhole)
    .option('--seed <n>', 'workload seed (default bench_config seed)', wholeNumber)
    .option('--out <dir>', 'folder for results_<RUN_NAME>.txt/.json and comparison.*', 'artifacts/bench')
    .option('--synthetic-tokens', 'use seeded synthetic token lengths instead of the generated JSONLs')
    .option('--config <file>', 'simulation config', 'configs/simulation_config.yaml')
    .option('--training-config <file>', 'training config', 'configs/training_config.yaml')
    .option('--bench-config <file>', 'bench config', 'configs/bench_config.yaml')
    .action(
      (opts: {
        bl: string[];
        steps?: number;
        seed?: number;
        out: string;
        syntheticTokens?: boolean;
        config: string;
        trainingConfig: string;
        benchConfig: string;
      }) => {
        const policies = resolvePolicies(opts.bl);
        const simulation = loadSimulationConfig(opts.config);
        const training = loadTrainingConfig(opts.trainingConfig);
        checkTrainingCoversSimulation(training, simulation);
        const bench = loadBenchConfig(opts.benchConfig);
        const tokens = opts.syntheticTokens
          ? syntheticTokenTables(opts.seed ?? bench.seed)
          : loadTokenTables(simulation);
        mkdirSync(opts.out, { recursive: true });
        const { prepared, trials } = runBench(
          {
            simulation,
            training,
            bench,
            tokens,
            ...(opts.steps !== undefined ? { steps: opts.steps } : {}),
            ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
          },
          policies,
          (t) => process.stderr.write(`${t.policy}: done (${t.steps} decisions, flush ${t.flushSteps})\n`),
        );
        const written: string[] = [];
        for (const t of trials) written.push(...writeTrialFiles(opts.out, prepared, t));
        written.push(...writeComparison(opts.out, trials));
        process.stdout.write(
          `${prepared.trace.totalRequests} requests, seed ${prepared.bench.seed}, ${prepared.steps} decisions\n${comparisonTable(trials)}\n${written.map((p) => `wrote ${p}`).join('\n')}\n`,
        );
      },
    );
}
