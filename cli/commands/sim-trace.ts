/**
 * `migflow sim trace`: the arrival trace one agent gets from a bench config's workload (the reference's
 * `RequestLoader` with the bench seed, on the CPython-exact stream), summarised as count, first/last arrival
 * and a SHA-256 over the arrival times, so it can be compared with the reference's generator run in Python.
 */
import type { Command } from 'commander';
import { MAX_BENCH_DECISIONS } from '../../contracts/index.js';
import { loadBenchConfig, loadTrainingConfig } from '../../core/config/index.js';
import { ConfigError } from '../../core/errors.js';
import { CPythonRandom } from '../../core/random/index.js';
import { benchPatternRanges, RequestLoader, summarizeArrivals } from '../../core/workload/index.js';
import { integer, wholeUpTo } from '../lib/options.js';

export interface SimTraceOptions {
  readonly config: string;
  readonly trainingConfig: string;
  readonly agent: string;
  readonly seed?: number;
  readonly steps?: number;
}

export function simTrace(o: SimTraceOptions) {
  const bench = loadBenchConfig(o.config);
  const training = loadTrainingConfig(o.trainingConfig);
  const j = (bench.agents as readonly string[]).indexOf(o.agent);
  if (j < 0) {
    throw new ConfigError(
      o.config,
      'agents',
      `${o.agent} is not an agent of this bench (${bench.agents.join(', ')})`,
      `pass --agent ${bench.agents.join(' | ')} or add ${o.agent} to agents`,
    );
  }
  const seed = o.seed ?? bench.seed;
  const steps = o.steps ?? bench.benchmarkLength;
  const loader = new RequestLoader({
    agents: bench.agents,
    itemCounts: bench.agents.map(() => 0),
    numSteps: steps,
    actionIntervalS: training.actionIntervalS,
    ranges: benchPatternRanges(bench),
    rng: new CPythonRandom(0),
    seed,
    ...(bench.workloadSequence ? { workloadSequence: bench.workloadSequence } : {}),
    file: bench.file,
  });
  const batch = loader.generate(j, 0, 0);
  return {
    config: o.config,
    agent: o.agent,
    enumIndex: j,
    seed,
    agentSeed: batch.seed.toString(),
    steps,
    horizonS: steps * training.actionIntervalS,
    ...summarizeArrivals(batch.arrivalTimesS),
    phases: batch.phases.length,
  };
}

export function registerSimTraceCommand(sim: Command): void {
  sim
    .command('trace')
    .description(
      "summarise one agent's arrival trace from a bench config (count, first/last arrival, checksum)",
    )
    .option(
      '--config <file>',
      'bench config (seed, benchmark-length, workloads)',
      'configs/bench_config.yaml',
    )
    .option('--training-config <file>', 'training config (action interval)', 'configs/training_config.yaml')
    .requiredOption('--agent <name>', 'agent, e.g. CodingAgent')
    .option('--seed <n>', 'workload seed (default: the config seed)', integer)
    .option(
      '--steps <k>',
      'decisions the trace covers (default: benchmark-length)',
      wholeUpTo(MAX_BENCH_DECISIONS, 'MAX_BENCH_DECISIONS'),
    )
    .option('--json', 'print JSON (default: one line of text)')
    .action((opts: SimTraceOptions & { json?: boolean }) => {
      const t = simTrace(opts);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(t, null, 2)}\n`);
        return;
      }
      process.stdout.write(
        `${t.agent} (seed ${t.agentSeed}): ${t.count} requests over ${t.horizonS} s, first ${t.firstArrivalS} s, last ${t.lastArrivalS} s, ${t.phases} phases, sha256 ${t.sha256}\n`,
      );
    });
}
