/**
 * `migflow bench`: runs RL checkpoints and baseline policies locally (no Temporal) on one shared workload — generated
 * from bench_config.yaml or replayed from a trace CSV — through the bench stage's own `run` (one trial process per
 * policy, as BenchWorkflow runs them), writes the reference's result files and figures per policy plus a comparison,
 * and prints the comparison table.
 */
import { join } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { type BenchEntry, MAX_BENCH_DECISIONS } from '../../contracts/index.js';
import {
  benchTrials,
  comparisonTable,
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

/** The options `migflow bench` and `migflow run bench` share. */
export function addBenchOptions(cmd: Command): Command {
  return cmd
    .option('--ckpt <dir>', 'RL checkpoint directory (repeatable; run first, in order)', collect, [])
    .option('--latest-ckpts <root>', 'also the newest rl_model_<N>_steps of every <root>/<run>/checkpoints/')
    .option(
      '--bl <names...>',
      'baselines: static_no_mig, static_split_extreme, heuristic, qas, linucb, or all',
    )
    .option(
      '--steps <n>',
      'decisions per trial (default benchmark-length)',
      wholeUpTo(MAX_BENCH_DECISIONS, 'MAX_BENCH_DECISIONS'),
    )
    .option('--seed <n>', 'workload seed (default bench_config seed)', wholeNumber)
    .option('--trace <csv>', 'replay arrivals from a CSV (migflow, BurstGPT or Azure LLM trace columns)')
    .option('--trace-agent <name>', 'agent of every trace row when the CSV has no agent column')
    .option('--trace-model <model=agent>', 'BurstGPT: agent for a Model value (repeatable)', collect, [])
    .option('--no-figures', 'skip figs/<run_name>/{split,merge,transfer}.png')
    .option('--synthetic-tokens', 'use seeded synthetic token lengths instead of the generated JSONLs')
    .option('--config <file>', 'simulation config', 'configs/simulation_config.yaml')
    .option('--training-config <file>', 'training config', 'configs/training_config.yaml')
    .option('--bench-config <file>', 'bench config', 'configs/bench_config.yaml');
}

export interface BenchCliOptions extends BenchTraceOptions {
  ckpt: string[];
  latestCkpts?: string;
  bl?: string[];
  steps?: number;
  seed?: number;
  figures: boolean;
  syntheticTokens?: boolean;
  config: string;
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
    .action(async (o: BenchCliOptions & { out?: string; task?: string[] }) => {
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const out = o.out ?? join('artifacts', 'bench', 'local', stamp);
      // Checkpoints load (and fail on a bad path) before any trial runs.
      if (o.task) {
        const policies = resolveTrials(checkpointsToRun(o), o.bl ?? []);
        const { task } = o;
        const { result, published } = await writeOutputFolder(out, 'migflow bench', (tmp) =>
          runTasks({ ...o, task, out: tmp }, policies),
        );
        process.stdout.write(
          `${result.text}\n${result.written.map((p) => `wrote ${published(p)}`).join('\n')}\n`,
        );
        return;
      }
      const trials = benchTrials(checkpointsToRun(o), o.bl ?? []);
      const trace = traceSource(o);
      const { result, published } = await writeOutputFolder(out, 'migflow bench', (tmp) =>
        runTrials({ ...o, out: tmp }, trials, trace),
      );
      process.stdout.write(
        `${result.text}\n${result.written.map((p) => `wrote ${published(p)}`).join('\n')}\n`,
      );
    });
}

/** Every trial on bench_config's workload (or the trace) into `opts.out`, then the comparison. */
async function runTrials(
  opts: BenchCliOptions & { out: string },
  trials: ReturnType<typeof benchTrials>,
  trace: TraceSource | undefined,
): Promise<{ text: string; written: string[] }> {
  {
    const entries: BenchEntry[] = [];
    const written: string[] = [];
    let last: BenchTrialSummary | undefined;
    for (const t of trials) {
      // Paths as typed: the trial process runs in this working directory.
      const r = await benchStage.run(
        {
          ...t,
          simulationConfig: opts.config,
          trainingConfig: opts.trainingConfig,
          benchConfig: opts.benchConfig,
          syntheticTokens: opts.syntheticTokens === true,
          figures: opts.figures,
          ...(opts.steps !== undefined ? { steps: opts.steps } : {}),
          ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
          ...(trace ? { trace } : {}),
        },
        opts.out,
        {},
      );
      process.stderr.write(`${r.entry.policy}: done (${r.entry.steps} decisions, flush ${r.flushSteps})\n`);
      entries.push(r.entry);
      written.push(...r.files.map((f) => join(opts.out, f)));
      last = r;
    }
    written.push(...writeComparisonEntries(opts.out, entries));
    return {
      text: `${last?.totalRequests} requests, ${last?.workload}, ${last?.entry.steps} decisions\n${comparisonTable(entries)}`,
      written,
    };
  }
}

/** `migflow bench --task …`: every policy on every task, each task's tables, then the suite's scores. */
async function runTasks(
  opts: BenchCliOptions & { out: string; task: string[] },
  policies: readonly PolicyFactory[],
): Promise<{ text: string; written: string[] }> {
  if (opts.trace) {
    throw new ConfigError(
      '--trace',
      opts.trace,
      'cannot be combined with --task (a task brings its own workload)',
      'drop --trace, or drop --task to replay the trace',
    );
  }
  const { runs, scoreText, written } = await runTaskSuite({
    tasks: taskFiles(opts.task),
    policies,
    files: {
      simulationConfig: opts.config,
      trainingConfig: opts.trainingConfig,
      syntheticTokens: opts.syntheticTokens === true,
      ...(opts.steps !== undefined ? { steps: opts.steps } : {}),
      ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    },
    outDir: opts.out,
    figures: opts.figures,
    onTrial: (task, t) =>
      process.stderr.write(`${task} / ${t.policy}: done (${t.steps} decisions, flush ${t.flushSteps})\n`),
  });
  const tables = runs.map(
    (r) =>
      `Task ${r.task}: ${r.prepared.trace.totalRequests} requests, seed ${r.prepared.bench.seed}, ${r.prepared.steps} decisions\n${comparisonTable(r.entries)}`,
  );
  return { text: [...tables, scoreText].join('\n\n'), written: [...written] };
}
