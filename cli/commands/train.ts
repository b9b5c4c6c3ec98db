/**
 * `migflow train`: one Maskable PPO training run without a Temporal server, through the train stage's own `run`
 * (the trainer in a child process, as `trainPolicy` runs it). Progress goes to stderr: a cli-progress bar on a
 * terminal, one plain line per 5 % (and per checkpoint) otherwise, each with an ETA from the run's average rate
 * (steady, unlike a rate over the last few reports, which swings between fast rollouts and slow updates);
 * `--verbose` prints SB3's per-update table instead (fps, time_elapsed, losses, explained variance, KL, clip
 * fraction). The run directory holds snapshots, checkpoints, logs and the training curve (see
 * core/stages/train/train-run.ts).
 */
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import cliProgress from 'cli-progress';
import { type Command, InvalidArgumentError } from 'commander';
import {
  checkpointSteps,
  type EvalSettings,
  MAX_TRAIN_STEPS,
  WarmStartTeacher,
} from '../../contracts/index.js';
import { taskFiles } from '../../core/bench/index.js';
import { ConfigError } from '../../core/errors.js';
import { artifactsDir } from '../../core/paths.js';
import { parseNEnvs } from '../../core/rl/index.js';
import { type TrainingProgress, TrainingStoppedError, trainStage } from '../../core/stages/train/index.js';
import { evaluationOverride, withEvaluationOptions } from '../lib/eval-options.js';
import { overridePair, positiveWhole, wholeNumber, wholeUpTo } from '../lib/options.js';
import { UpdateTables } from '../lib/sb3-table.js';

function nEnvs(value: string): number {
  const n = parseNEnvs(value);
  if (n === undefined)
    throw new InvalidArgumentError('expected a whole number ≥ 1 or "auto" (one per core, at most 8)');
  return n;
}

function warmStartTeacher(value: string): WarmStartTeacher {
  const r = WarmStartTeacher.safeParse(value);
  if (!r.success) throw new InvalidArgumentError(`expected one of ${WarmStartTeacher.options.join(', ')}`);
  return r.data;
}

/** Local time YYYYmmdd-HHMMSS-mmm, the reference's run id. */
export function timestampRunId(d = new Date()): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}-${p(d.getMilliseconds(), 3)}`;
}

/**
 * Two runs never share a run directory. --out may be new or empty; an earlier run's directory is continued only
 * by resuming one of its own checkpoints (the resume drops what lay past that checkpoint), and one that never
 * reached a checkpoint (killed early) holds nothing to keep, so a fresh run clears it. Anything else is refused
 * before a file is written. `args` (the command's arguments after `train`) go into the resume command it suggests.
 */
export function prepareRunDir(
  runDir: string,
  resume: string | undefined,
  args: readonly string[] = [],
): void {
  if (!existsSync(runDir)) return;
  const fail = (problem: string, fix: string) => {
    throw new ConfigError('migflow train', '--out', problem, fix);
  };
  if (!statSync(runDir).isDirectory())
    fail(`${runDir} is a file, not a folder`, 'pass a new folder to --out');
  const names = readdirSync(runDir);
  if (names.length === 0) return;
  if (!names.includes('run.json')) {
    fail(
      `${runDir} already holds ${names.length} entries and is not a training run directory (no run.json)`,
      'pass a new or empty folder to --out (default: a new artifacts/train/<timestamp>)',
    );
  }
  const ckDir = join(runDir, 'checkpoints');
  const checkpoints = existsSync(ckDir)
    ? readdirSync(ckDir)
        .map((n) => ({ n, steps: n === 'final' ? Number.POSITIVE_INFINITY : checkpointSteps(n) }))
        .filter((c) => c.steps !== null)
        .sort((a, b) => (a.steps ?? 0) - (b.steps ?? 0))
    : [];
  if (resume) {
    if (!resolve(resume).startsWith(`${ckDir}${sep}`)) {
      fail(
        `${runDir} holds another training run; resuming ${resume} into it would mix two runs`,
        `resume into a new folder (leave --out out), or resume one of ${ckDir}'s own checkpoints`,
      );
    }
    return;
  }
  if (checkpoints.length > 0) {
    const newest = checkpoints.filter((c) => c.n !== 'final').at(-1);
    fail(
      `${runDir} holds an earlier training run (${checkpoints.some((c) => c.n === 'final') ? 'finished' : `checkpoints up to ${newest?.n}`})`,
      newest
        ? `pass a new folder to --out, or continue it: ${resumeCommand(args, join(ckDir, newest.n), runDir)}`
        : 'pass a new folder to --out (or remove it)',
    );
  }
  // Killed before its first checkpoint: nothing to resume, and its start record must not join this run's.
  for (const n of names) rmSync(join(runDir, n), { recursive: true, force: true });
}

interface ProgressDisplay {
  update(p: TrainingProgress): void;
  stop(): void;
}

const fmt = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(2));
/** The settings a held-out evaluation reward was measured under, as the summary line shows them ('' when unknown). */
export function evaluatedUnder(e: EvalSettings | undefined): string {
  if (!e) return '';
  const episodes = e.episodes === 1 ? '1 episode' : `${e.episodes} episodes`;
  return ` under start ${e.start}, trace seed ${e.seed}, ${episodes} of ${e.decisions} decisions`;
}

/** `1h 02m`, `3m 05s`, `42s`. */
export function formatDuration(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '—';
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = Math.floor(s % 60);
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m ${String(sec).padStart(2, '0')}s`;
  return `${sec}s`;
}

/**
 * Time left at the run's average rate since its first report (a resumed run counts from where it resumed). Rates
 * over a short window jump with PPO's rhythm (fast collection, then a pause for the update); the average does not.
 */
export class SteadyEta {
  private first: { at: number; steps: number } | undefined;

  update(steps: number, totalSteps: number, now = Date.now()): string {
    if (!this.first) this.first = { at: now, steps };
    const done = steps - this.first.steps;
    const elapsed = (now - this.first.at) / 1000;
    if (done <= 0 || elapsed < 1) return '—';
    return formatDuration(((totalSteps - steps) * elapsed) / done);
  }
}

function barDisplay(): ProgressDisplay {
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: 'train |{bar}| {value}/{total} steps | ep {episodes} | mean reward {reward} | {eta} left',
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  const eta = new SteadyEta();
  return {
    update(p) {
      const payload = {
        episodes: p.episodes,
        reward: fmt(p.meanEpisodeReward),
        eta: eta.update(p.steps, p.totalSteps),
      };
      if (!started) {
        bar.start(p.totalSteps, p.steps, payload);
        started = true;
      } else bar.update(p.steps, payload);
    },
    stop: () => bar.stop(),
  };
}

function lineDisplay(write: (line: string) => void): ProgressDisplay {
  let lastPct = -1;
  let lastCheckpoint: string | undefined;
  const eta = new SteadyEta();
  return {
    update(p) {
      const left = eta.update(p.steps, p.totalSteps);
      const pct = Math.floor((100 * p.steps) / p.totalSteps / 5) * 5;
      if (pct === lastPct && p.lastCheckpoint === lastCheckpoint) return;
      lastPct = pct;
      const ck = p.lastCheckpoint !== lastCheckpoint ? `, checkpoint ${p.lastCheckpoint}` : '';
      lastCheckpoint = p.lastCheckpoint;
      write(
        `train: ${p.steps}/${p.totalSteps} steps (${pct}%), ${p.episodes} episodes, mean reward ${fmt(p.meanEpisodeReward)}, ${left} left${ck}`,
      );
    },
    stop: () => {},
  };
}

/**
 * The command that resumes a stopped run: the options it was started with (its task, steps, overrides, seed, …:
 * a resume with other ones would continue another run) with `--resume` and `--out` replaced. `args` are the
 * arguments after `train`.
 */
export function resumeCommand(args: readonly string[], checkpoint: string, runDir: string): string {
  const kept: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--resume' || a === '--out') i++;
    else if (!a.startsWith('--resume=') && !a.startsWith('--out=')) kept.push(a);
  }
  const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`);
  return ['migflow', 'train', ...kept, '--resume', checkpoint, '--out', runDir].map(quote).join(' ');
}

/**
 * The arguments a subcommand was given, in order, as commander dispatched them to it: its parent's arguments after
 * the subcommand's name (commander dispatches on the parent's first operand). Not a search of process.argv for the
 * command's name, which reads another command line when the one parsed is not process.argv (a wrapper, a test,
 * `parseAsync(args, { from: 'user' })`) and would stop at the wrong word if one before the command were the same.
 */
export function subcommandArgs(cmd: Command): string[] {
  const [name, ...args] = cmd.parent?.args ?? [];
  if (name === undefined || (name !== cmd.name() && !cmd.aliases().includes(name))) {
    // Not reachable through commander's dispatch; a wrong resume command would be worse than none.
    throw new Error(`migflow ${cmd.name()}: cannot tell its arguments (the parent parsed ${String(name)})`);
  }
  return args;
}

export function registerTrainCommand(program: Command): void {
  withEvaluationOptions(program.command('train'))
    .description('train the Maskable PPO MIG policy locally (no Temporal server)')
    .option('--training-config <file>', 'training config', 'configs/training_config.yaml')
    .option('--config <file>', 'old name of --training-config (still accepted, with a warning)')
    .option('--sim-config <file>', 'simulation config', 'configs/simulation_config.yaml')
    .option('-v, --verbose', "print SB3's table after every PPO update (fps, time_elapsed, losses, KL, …)")
    .option(
      '--steps <n>',
      'env steps of the run (default: total_timesteps)',
      wholeUpTo(MAX_TRAIN_STEPS, 'MAX_TRAIN_STEPS'),
    )
    .option('--seed <n>', 'seed of env, sampling, weights and shuffling', wholeNumber, 0)
    .option('--resume <checkpoint>', 'continue from a checkpoint directory (…/rl_model_<N>_steps)')
    .option('--out <dir>', 'run directory (default: artifacts/train/<timestamp>)')
    .option('--checkpoint-every <n>', 'checkpoint cadence in env steps (default 5120)', positiveWhole)
    .option(
      '--set <key=value>',
      'override a training-config field, e.g. training.PPO.n_steps=256 (repeatable; the value is YAML)',
      overridePair,
      {},
    )
    .option(
      '--n-envs <n|auto>',
      'environments stepped in parallel (training.PPO.n_envs; auto = one per core, at most 8)',
      nEnvs,
    )
    .option(
      '--warm-start <baseline>',
      `clone a baseline into the policy before PPO starts (${WarmStartTeacher.options.join(', ')})`,
      warmStartTeacher,
    )
    .option('--warm-start-steps <n>', 'teacher decisions to clone (default 8192)', positiveWhole)
    .option(
      '--warm-start-rounds <n>',
      'DAgger rounds after the first clone: the clone drives, the teacher labels, refit on all (default 0)',
      positiveWhole,
    )
    .option(
      '--bench-config <file>',
      'bench config whose heuristic/QAS/idle_merge settings the warm-start teacher uses and whose trace settings --eval uses',
      'configs/bench_config.yaml',
    )
    // One token default everywhere: the workflows' (syntheticTokens: true) and bench's.
    .option('--synthetic-tokens', 'seeded synthetic token lengths (the default, as in the workflows)')
    .option('--no-synthetic-tokens', "the profiling stage's generated JSONLs instead")
    .option('--real-tokens', 'the same as --no-synthetic-tokens (the name `run train` and `run grid` use)')
    .option(
      '--task <name>',
      'draw every episode from a task of the suite (easy, medium, hard, or a task .yaml)',
    )
    .option('--no-step-logs', "skip the reference's per-step episode logs")
    .action(
      async (
        opts: {
          trainingConfig: string;
          config?: string;
          verbose?: boolean;
          simConfig: string;
          steps?: number;
          seed: number;
          resume?: string;
          out?: string;
          checkpointEvery?: number;
          set: Record<string, unknown>;
          nEnvs?: number;
          warmStart?: WarmStartTeacher;
          warmStartSteps?: number;
          warmStartRounds?: number;
          benchConfig: string;
          syntheticTokens?: boolean;
          realTokens?: boolean;
          task?: string;
          stepLogs: boolean;
          eval?: boolean;
          evalEpisodes?: number;
          evalDecisions?: number;
          evalSeed?: number;
          evalStart?: 'own' | 'common';
        },
        cmd: Command,
      ) => {
        const runDir = resolve(opts.out ?? `${artifactsDir()}/train/${timestampRunId()}`);
        const trainArgs = subcommandArgs(cmd);
        prepareRunDir(runDir, opts.resume, trainArgs);
        if (opts.config) {
          process.stderr.write(
            `migflow train: --config is now --training-config (every command names its configs --training-config, --sim-config, --bench-config); using ${opts.config}\n`,
          );
        }
        const trainingConfig = opts.config ?? opts.trainingConfig;
        const tables = opts.verbose
          ? new UpdateTables(runDir, opts.resume ? (checkpointSteps(opts.resume) ?? 0) : 0)
          : undefined;
        // The bar redraws its line: with tables on stdout, plain lines keep both readable.
        const display =
          process.stderr.isTTY && !tables ? barDisplay() : lineDisplay((l) => process.stderr.write(`${l}\n`));
        const controller = new AbortController();
        const onSignal = () => controller.abort();
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        try {
          const r = await trainStage.run(
            {
              trainingConfig,
              simulationConfig: opts.simConfig,
              overrides: {
                ...opts.set,
                ...(opts.nEnvs === undefined ? {} : { 'training.PPO.n_envs': opts.nEnvs }),
                ...evaluationOverride(opts),
              },
              seed: opts.seed,
              ...(opts.steps !== undefined ? { totalSteps: opts.steps } : {}),
              ...(opts.resume ? { resumeFrom: opts.resume } : {}),
              ...(opts.checkpointEvery !== undefined ? { checkpointEverySteps: opts.checkpointEvery } : {}),
              syntheticTokens: opts.syntheticTokens !== false && !opts.realTokens,
              ...(opts.task ? { task: taskFiles([opts.task])[0]! } : {}),
              stepLogs: opts.stepLogs,
              // Read only by a warm-start teacher or a held-out evaluation (and keyed only then).
              benchConfig: opts.benchConfig,
              ...(opts.warmStart
                ? {
                    warmStart: opts.warmStart,
                    ...(opts.warmStartSteps !== undefined ? { warmStartSteps: opts.warmStartSteps } : {}),
                    ...(opts.warmStartRounds !== undefined ? { warmStartRounds: opts.warmStartRounds } : {}),
                  }
                : {}),
            },
            runDir,
            {
              signal: controller.signal,
              progress: (p) => {
                for (const t of tables?.poll() ?? []) process.stdout.write(`${t}\n`);
                display.update(p);
              },
              log: (line) => {
                if (!process.stderr.isTTY) process.stderr.write(`${line}\n`);
              },
            },
          );
          display.stop();
          for (const t of tables?.poll() ?? []) process.stdout.write(`${t}\n`);
          const rel = (p: string) => relative(process.cwd(), p) || '.';
          process.stdout.write(
            `${[
              `run directory     ${rel(runDir)}`,
              `steps             ${r.steps} (${r.episodes} episodes)`,
              `mean reward       ${fmt(r.meanEpisodeReward ?? undefined)} (last ≤100 episodes)`,
              `final checkpoint  ${rel(join(runDir, r.finalCheckpoint))}`,
              `best checkpoint   ${rel(join(runDir, r.bestCheckpoint))} (by ${r.bestBy === 'eval_reward' ? `held-out evaluation reward${r.evalReward === undefined ? '' : ` ${fmt(r.evalReward)}`}${evaluatedUnder(r.evaluation)}, logs/eval.jsonl` : 'mean training-episode reward'})`,
              `backend           ${r.backend}${r.onGpu ? ' (GPU)' : ''}`,
            ].join('\n')}\n`,
          );
        } catch (err) {
          display.stop();
          const ck = err instanceof TrainingStoppedError ? err.checkpoint : undefined;
          if (controller.signal.aborted && err instanceof TrainingStoppedError) {
            process.stderr.write(
              ck
                ? `stopped; resume with: ${resumeCommand(trainArgs, ck, runDir)}\n`
                : `stopped before the first checkpoint; nothing to resume (start again with --out ${runDir})\n`,
            );
            process.exitCode = 130;
            return;
          }
          throw err;
        } finally {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        }
        // tfjs backends can keep handles open after the run.
        process.exit(process.exitCode ?? 0);
      },
    );
}
