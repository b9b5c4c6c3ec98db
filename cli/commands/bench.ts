/**
 * `migflow bench`: runs RL checkpoints and baseline policies locally (no Temporal) on one shared workload — generated
 * from bench_config.yaml or replayed from a trace CSV — through the bench stage's own `run` (one trial process per
 * policy, as BenchWorkflow runs them), writes the reference's result files and figures per policy plus a comparison,
 * and prints the comparison table.
 */
import { join } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { type BenchEntry, BenchStartRule, MAX_BENCH_DECISIONS } from '../../contracts/index.js';
import {
  benchTrials,
  comparisonTable,
  energyTable,
  latestCheckpoints,
  resolveTrials,
  runTaskSuite,
  TASK_SUITE,
  type TraceSource,
  taskFiles,
  writeComparisonEntries,
} from '../../core/bench/index.js';
import type { PolicyFactory } from '../../core/control/index.js';
import { ConfigError, MigflowError } from '../../core/errors.js';
import { benchRunReport, suiteRunReport, writeRunReport } from '../../core/report/index.js';
import { type BenchTrialSummary, benchStage } from '../../core/stages/bench/index.js';
import { collect, wholeNumber, wholeUpTo } from '../lib/options.js';
import { writeOutputFolder } from '../lib/output-folder.js';

/** `--trace-model ChatGPT=ChatAgent` pairs → a map. */
export function modelMap(pairs: readonly string[]): Record<string, string> {
  return Object.fromEntries(
    pairs.map((p) => {
      const at = p.lastIndexOf('=');
      if (at <= 0) throw new InvalidArgumentError(`expected MODEL=AGENT, got "${p}"`);
      return [p.slice(0, at), p.slice(at + 1)];
    }),
  );
}

export interface BenchTraceOptions {
  trace?: string;
  traceAgent?: string;
  traceModel: string[];
}

export function traceSource(o: BenchTraceOptions): TraceSource | undefined {
  if (!o.trace) return undefined;
  return {
    file: o.trace,
    ...(o.traceAgent ? { agent: o.traceAgent } : {}),
    ...(o.traceModel.length > 0 ? { agentByModel: modelMap(o.traceModel) } : {}),
  };
}

/** `--start own|common`. */
export function startRule(value: string): BenchStartRule {
  const parsed = BenchStartRule.safeParse(value);
  if (!parsed.success) {
    throw new InvalidArgumentError(
      `expected own (every policy from its own layout, the reference) or common (one layout for all), got "${value}"`,
    );
  }
  return parsed.data;
}

/** The options `migflow bench` and `migflow run bench` share. */
export function addBenchOptions(cmd: Command): Command {
  return (
    cmd
      .option('--ckpt <dir>', 'RL checkpoint directory (repeatable; run first, in order)', collect, [])
      .option(
        '--latest-ckpts <root>',
        'also the newest rl_model_<N>_steps of every <root>/<run>/checkpoints/',
      )
      .option(
        '--bl <names...>',
        'baselines: static_no_mig, static_split_extreme, heuristic, qas, linucb, or all; also idle_merge (migflow’s timed merges, not in all)',
      )
      .option(
        '--steps <n>',
        'decisions per trial (default benchmark-length)',
        wholeUpTo(MAX_BENCH_DECISIONS, 'MAX_BENCH_DECISIONS'),
      )
      .option('--seed <n>', 'workload seed (default bench_config seed)', wholeNumber)
      .option(
        '--start <rule>',
        "where each trial starts: own (the reference's bench: every policy from its own layout) or common (every policy from one random layout drawn from the bench seed; static baselines reach their layout first; docs/deviations.md)",
        startRule,
        'own',
      )
      .option('--trace <csv>', 'replay arrivals from a CSV (migflow, BurstGPT or Azure LLM trace columns)')
      .option('--trace-agent <name>', 'agent of every trace row when the CSV has no agent column')
      .option('--trace-model <model=agent>', 'BurstGPT: agent for a Model value (repeatable)', collect, [])
      .option('--no-figures', 'skip figs/<run_name>/{split,merge,transfer}.png')
      .option(
        '--chrome-trace',
        'also write trace_<run_name>.json per policy (Chrome trace-event JSON: chrome://tracing, Perfetto)',
      )
      // One token default everywhere: the workflows' (syntheticTokens: true) and train's.
      .option('--synthetic-tokens', 'seeded synthetic token lengths (the default, as in the workflows)')
      .option('--no-synthetic-tokens', "the profiling stage's generated JSONLs instead")
      .option('--real-tokens', 'the same as --no-synthetic-tokens (the name `run train` and `run grid` use)')
      .option('--sim-config <file>', 'simulation config', 'configs/simulation_config.yaml')
      .option('--config <file>', 'old name of --sim-config (still accepted, with a warning)')
      .option('--training-config <file>', 'training config', 'configs/training_config.yaml')
      .option('--bench-config <file>', 'bench config', 'configs/bench_config.yaml')
  );
}

/**
 * The simulation config of a bench command: `--sim-config`, or the old `--config` (which meant the training config
 * for `train` and the simulation config here), accepted with a warning.
 */
export function simConfigOption(o: { simConfig: string; config?: string }, command: string): string {
  if (o.config === undefined) return o.simConfig;
  process.stderr.write(
    `migflow ${command}: --config is now --sim-config (every command names its configs --sim-config, --training-config, --bench-config); using ${o.config}\n`,
  );
  return o.config;
}

export interface BenchCliOptions extends BenchTraceOptions {
  ckpt: string[];
  latestCkpts?: string;
  bl?: string[];
  steps?: number;
  seed?: number;
  start: BenchStartRule;
  figures: boolean;
  chromeTrace?: boolean;
  syntheticTokens?: boolean;
  realTokens?: boolean;
  simConfig: string;
  config?: string;
  trainingConfig: string;
  benchConfig: string;
}

/** `--ckpt` paths, then the latest checkpoint of each run under `--latest-ckpts`; errors when nothing is to run. */
export function checkpointsToRun(o: BenchCliOptions): string[] {
  const ckpts = [...o.ckpt, ...(o.latestCkpts ? latestCheckpoints(o.latestCkpts) : [])];
  if (ckpts.length === 0 && (o.bl ?? []).length === 0) {
    throw new MigflowError('No benchmark to run. Use --ckpt for RL and --bl for baselines.');
  }
  return ckpts;
}

export function registerBenchCommand(program: Command): void {
  addBenchOptions(
    program
      .command('bench')
      .description('benchmark RL checkpoints and baseline policies in the simulator on one shared workload'),
  )
    .option(
      '--out <dir>',
      'folder for results_<RUN_NAME>.txt/.json, figs/ and comparison.* (with --task: one folder per task, and scores.*); built beside it and published whole (default: a new artifacts/bench/local/<timestamp>)',
    )
    .option(
      '--task <names...>',
      `run the policies on tasks of the suite (${[...TASK_SUITE, 'all'].join(', ')}, or a task .yaml) instead of bench_config's workload, and score them`,
    )
    .action(async (given: BenchCliOptions & { out?: string; task?: string[] }) => {
      // The output folder is built beside its target and published whole (cli/lib/output-folder.ts): a run
      // killed at any instant leaves the previous run's folder or this one's, never both mixed.
      const target =
        given.out ?? join('artifacts', 'bench', 'local', new Date().toISOString().replace(/[:.]/g, '-'));
      const { result: text, inText } = await writeOutputFolder(target, 'migflow bench', (tmp) =>
        benchInto({ ...given, out: tmp, simConfig: simConfigOption(given, 'bench') }, target),
      );
      process.stdout.write(inText(text));
    });
}

/** The whole `migflow bench` run into `opts.out` (a private folder); returns what to print. */
async function benchInto(
  opts: BenchCliOptions & { out: string; task?: string[] },
  target: string,
): Promise<string> {
  {
    // Checkpoints load (and fail on a bad path) before any trial runs.
    if (opts.task) {
      const policies = resolveTrials(checkpointsToRun(opts), opts.bl ?? []);
      return benchTasks(opts as BenchCliOptions & { out: string; task: string[] }, policies, target);
    }
    const trials = benchTrials(checkpointsToRun(opts), opts.bl ?? []);
    const trace = traceSource(opts);
    const entries: BenchEntry[] = [];
    const results: { policy: string; checkpoint?: string; entry: BenchEntry }[] = [];
    const written: string[] = [];
    let last: BenchTrialSummary | undefined;
    for (const t of trials) {
      // Paths as typed: the trial process runs in this working directory.
      const r = await benchStage.run(
        {
          ...t,
          simulationConfig: opts.simConfig,
          trainingConfig: opts.trainingConfig,
          benchConfig: opts.benchConfig,
          syntheticTokens: opts.syntheticTokens !== false && !opts.realTokens,
          figures: opts.figures,
          ...(opts.chromeTrace ? { chromeTrace: true } : {}),
          ...(opts.steps !== undefined ? { steps: opts.steps } : {}),
          ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
          ...(opts.start !== 'own' ? { start: opts.start } : {}),
          ...(trace ? { trace } : {}),
        },
        opts.out,
        {},
      );
      process.stderr.write(`${r.entry.policy}: done (${r.entry.steps} decisions, flush ${r.flushSteps})\n`);
      entries.push(r.entry);
      results.push({
        policy: r.entry.policy,
        ...(t.checkpoint ? { checkpoint: t.checkpoint } : {}),
        entry: r.entry,
      });
      written.push(...r.files.map((f) => join(opts.out, f)));
      last = r;
    }
    written.push(...writeComparisonEntries(opts.out, entries));
    const report = writeRunReport(
      opts.out,
      benchRunReport(`bench ${target}`, results, last?.totalRequests ?? 0),
    );
    written.push(report.html, report.json);
    return `${last?.totalRequests} requests, ${last?.workload}, ${last?.entry.steps} decisions\n${comparisonTable(entries)}\nEnergy (power model of the simulation config):\n${energyTable(entries)}\n${written.map((p) => `wrote ${p}`).join('\n')}\n`;
  }
}

/** `migflow bench --task …`: every policy on every task, each task's tables, then the suite's scores. */
async function benchTasks(
  opts: BenchCliOptions & { out: string; task: string[] },
  policies: readonly PolicyFactory[],
  target: string,
): Promise<string> {
  if (opts.trace) {
    throw new ConfigError(
      '--trace',
      opts.trace,
      'cannot be combined with --task (a task brings its own workload)',
      'drop --trace, or drop --task to replay the trace',
    );
  }
  const {
    runs,
    scoreText,
    written: suiteFiles,
  } = await runTaskSuite({
    tasks: taskFiles(opts.task),
    policies,
    files: {
      simulationConfig: opts.simConfig,
      trainingConfig: opts.trainingConfig,
      syntheticTokens: opts.syntheticTokens !== false && !opts.realTokens,
      ...(opts.steps !== undefined ? { steps: opts.steps } : {}),
      ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
      ...(opts.start !== 'own' ? { start: opts.start } : {}),
    },
    outDir: opts.out,
    figures: opts.figures,
    onTrial: (task, t) =>
      process.stderr.write(`${task} / ${t.policy}: done (${t.steps} decisions, flush ${t.flushSteps})\n`),
  });
  const written = [...suiteFiles];
  // One run report per task folder, named by its task (the suite's scores are in scores.*).
  for (const r of runs) {
    const report = writeRunReport(
      join(opts.out, r.task),
      benchRunReport(
        join(target, r.task),
        r.entries.map((entry) => ({ policy: entry.policy, entry })),
        r.prepared.trace.totalRequests,
        { task: r.task },
      ),
    );
    written.push(report.html, report.json);
  }
  // The suite's own report beside scores.*: every policy on every task with its normalised scores.
  const suite = writeRunReport(
    opts.out,
    suiteRunReport(
      target,
      runs.map((r) => r.scores),
    ),
  );
  written.push(suite.html, suite.json);
  const tables = runs.map(
    (r) =>
      `Task ${r.task}: ${r.prepared.trace.totalRequests} requests, seed ${r.prepared.bench.seed}, ${r.prepared.steps} decisions\n${comparisonTable(r.entries)}`,
  );
  return `${[...tables, scoreText].join('\n\n')}\n${written.map((p) => `wrote ${p}`).join('\n')}\n`;
}
