/**
 * Speed and memory of the RL environment under a random valid-action policy. Prints one JSON object with two parts:
 *
 * - `trial`: one episode of `--trial-steps` decisions (default 1024) on a seeded workload (every batch seeded as the
 *   bench seeds it), the side-by-side comparison with the reference (Delta-HPC's Python simulator). CPU seconds of
 *   reset + decisions. The reference is measured the same way by perf/reference/measure_reference_sim.py on the
 *   same config, token table, seeds and decision count; both simulators then do the same work (their completed
 *   request counts agree, `sameWork`); `digest` hashes every completion and step of migflow's trial, so a speed change
 *   that moves any number shows (it must stay equal). With `--reference-python PY --reference-dir DIR` that script runs here, right
 *   after migflow's trial, and `speedupVsReference` is the ratio of the two CPU times from this run; without them the
 *   stored figure (perf/reference-sim-speed.json) is shown, and the ratio only when it was taken with the same trial.
 * - episodes: `--episodes` full training episodes (workload batches reseeded from the env's stream, as in training):
 *   environment steps per (CPU) second, simulated requests per second, peak RSS, and RSS and live heap after each
 *   episode (a growing gap means something leaks across resets).
 *
 *   With `--warmup-steps N` both sides first run an untimed N-decision episode: the ratio is then steady-state (JIT
 *   warm-up outside the timed part on migflow's side; CPython's own compile happens at import, outside it anyway).
 *
 * migflow's side (trial and episodes) runs in a child process, perf/sim-child.ts as its esbuild bundle under plain node
 * with the bench trial's node flags: how the product runs the simulator (a bench stage's trial child; training's
 * environment workers are bundled too), not one module per file behind tsx's loader (about a tenth more CPU).
 *
 *   npx tsx perf/sim.ts [--episodes 10] [--steps 1024] [--trial-steps 1024] [--warmup-steps 0] [--config configs/simulation_config.yaml]
 *     [--seed 0] [--reference-python /path/to/venv/bin/python --reference-dir /path/to/Delta-HPC-export]
 */
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { bundledEntryArgv } from '../core/child/index.js';
import { BENCH_CHILD_NODE_FLAGS } from '../core/stages/bench/index.js';
import type { SimChildArgs, SimChildOutput, TrialFigures } from './sim-child.js';

const { values } = parseArgs({
  options: {
    episodes: { type: 'string', default: '10' },
    steps: { type: 'string' },
    'trial-steps': { type: 'string', default: '1024' },
    'warmup-steps': { type: 'string', default: '0' },
    config: { type: 'string', default: 'configs/simulation_config.yaml' },
    seed: { type: 'string', default: '0' },
    'reference-python': { type: 'string' },
    'reference-dir': { type: 'string' },
  },
});
const trainingConfigFile = 'configs/training_config.yaml';
if ((values['reference-python'] === undefined) !== (values['reference-dir'] === undefined)) {
  throw new Error(
    'bench:sim: --reference-python and --reference-dir go together — fix: pass both (a Python ≥ 3.12 with pyyaml, sortedcontainers, numpy and gymnasium, and an export of Delta-HPC with src/ and configs/) or neither',
  );
}
const load = () => loadavg().map((x) => Math.round(x * 100) / 100);
const SIM_CHILD = fileURLToPath(new URL('./sim-child.ts', import.meta.url));

/** Runs migflow's trial and episodes in their own process (perf/sim-child.ts, bundled, the bench trial's node flags). */
async function runMigflow(args: SimChildArgs): Promise<SimChildOutput> {
  const argv = await bundledEntryArgv(SIM_CHILD, [JSON.stringify(args)], BENCH_CHILD_NODE_FLAGS);
  const { stdout } = await execa(process.execPath, argv);
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as SimChildOutput;
}

interface ReferenceFigures {
  readonly steps: number;
  readonly seed: number;
  readonly workloadSeed: number;
  readonly tokenSeed: number;
  readonly warmupSteps?: number;
  readonly cpuS: number;
  readonly completedRequests: number;
  readonly [k: string]: unknown;
}

async function runReference(trial: TrialFigures): Promise<ReferenceFigures & { loadAverage: number[] }> {
  const script = fileURLToPath(new URL('./reference/measure_reference_sim.py', import.meta.url));
  const argv = [
    script,
    '--reference',
    values['reference-dir']!,
    '--simulation-config',
    values.config,
    '--training-config',
    trainingConfigFile,
    '--steps',
    String(trial.steps),
    '--seed',
    String(trial.seed),
    '--workload-seed',
    String(trial.workloadSeed),
    '--token-seed',
    String(trial.tokenSeed),
    '--warmup-steps',
    String(trial.warmupSteps),
  ];
  const { stdout } = await execa(values['reference-python']!, argv);
  const figures = JSON.parse(stdout.trim().split('\n').at(-1)!) as ReferenceFigures;
  return { ...figures, loadAverage: load() };
}

/** The stored figure, when it was taken on this trial (same decisions, seeds and config); otherwise why not. */
function storedReference(trial: TrialFigures): { figures?: ReferenceFigures; note?: string } {
  const file = new URL('./reference-sim-speed.json', import.meta.url);
  if (!existsSync(file)) return { note: 'no stored reference figure (perf/reference-sim-speed.json)' };
  const stored = JSON.parse(readFileSync(file, 'utf8')) as ReferenceFigures & { config?: string };
  const same =
    stored.steps === trial.steps &&
    stored.seed === trial.seed &&
    stored.workloadSeed === trial.workloadSeed &&
    stored.tokenSeed === trial.tokenSeed &&
    (stored.warmupSteps ?? 0) === trial.warmupSteps &&
    stored.config === values.config;
  return same
    ? { figures: stored }
    : { note: 'the stored reference figure was taken on another trial (steps, seeds or config): no ratio' };
}

const loadBefore = load();
const migflow = await runMigflow({
  config: values.config,
  trainingConfig: trainingConfigFile,
  seed: Number(values.seed),
  trialSteps: Number(values['trial-steps']),
  warmupSteps: Number(values['warmup-steps']),
  episodes: Number(values.episodes),
  ...(values.steps ? { steps: Number(values.steps) } : {}),
});
const trial = migflow.trial;
const live = values['reference-python'] !== undefined ? await runReference(trial) : undefined;
const stored = live ? undefined : storedReference(trial);
const reference = live ?? stored?.figures;
const comparison = reference
  ? {
      reference: { source: live ? 'measured in this run' : 'perf/reference-sim-speed.json', ...reference },
      speedupVsReference: Math.round((reference.cpuS / trial.cpuS) * 10) / 10,
      sameWork: reference.completedRequests === trial.completedRequests,
    }
  : { referenceNote: stored?.note };

process.stdout.write(
  `${JSON.stringify({
    config: values.config,
    agents: migflow.agents,
    migflowProcess: `bundled perf/sim-child.ts under plain node ${BENCH_CHILD_NODE_FLAGS.join(' ')}`.trim(),
    trial,
    ...comparison,
    ...migflow.episodes,
    loadAverage: { before: loadBefore, after: load() },
  })}\n`,
);
