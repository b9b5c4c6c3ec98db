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
 *   npx tsx perf/sim.ts [--episodes 10] [--steps 1024] [--trial-steps 1024] [--warmup-steps 0] [--config configs/simulation_config.yaml]
 *     [--seed 0] [--reference-python /path/to/venv/bin/python --reference-dir /path/to/Delta-HPC-export]
 */
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { execa } from 'execa';
import { loadSimulationConfig, loadTrainingConfig } from '../core/config/index.js';
import { MigEnv, seededEnvRng } from '../core/control/index.js';
import { syntheticTokenTables } from '../core/workload/index.js';

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
const episodes = Number(values.episodes);
const seed = Number(values.seed);
const trialSteps = Number(values['trial-steps']);
const warmupSteps = Number(values['warmup-steps']);
if ((values['reference-python'] === undefined) !== (values['reference-dir'] === undefined)) {
  throw new Error(
    'bench:sim: --reference-python and --reference-dir go together — fix: pass both (a Python ≥ 3.12 with pyyaml, sortedcontainers, numpy and gymnasium, and an export of Delta-HPC with src/ and configs/) or neither',
  );
}
const simulation = loadSimulationConfig(values.config);
const training = loadTrainingConfig(trainingConfigFile);
const round3 = (x: number) => Math.round(x * 1000) / 1000;
const load = () => loadavg().map((x) => Math.round(x * 100) / 100);

/** The trial the reference is compared on: what measure_reference_sim.py runs, with the same arguments. */
interface TrialFigures {
  readonly steps: number;
  readonly seed: number;
  readonly workloadSeed: number;
  readonly tokenSeed: number;
  /** Decisions of the untimed episode run first (0: the timed trial is the process's first, JIT warm-up included). */
  readonly warmupSteps: number;
  readonly cpuS: number;
  readonly wallS: number;
  readonly stepsPerCpuS: number;
  readonly completedRequests: number;
  readonly simTimeS: number;
  /** Hash of every completed request's times and tokens and every step's reward and observation: equal digests, same trial. */
  readonly digest: string;
}

/**
 * A running 32-bit FNV-1a over the exact bits of doubles: changes to the simulator's speed must leave it unchanged
 * (parity to the last bit), so a code change that moves any completion time, token count, reward or observation shows.
 */
class TrialDigest {
  private h = 0x811c9dc5;
  private readonly f64 = new Float64Array(1);
  private readonly words = new Int32Array(this.f64.buffer);
  add(x: number): void {
    this.f64[0] = x;
    this.h = Math.imul(this.h ^ this.words[0]!, 0x01000193);
    this.h = Math.imul(this.h ^ this.words[1]!, 0x01000193);
  }
  hex(): string {
    return (this.h >>> 0).toString(16).padStart(8, '0');
  }
}

function randomValidAction(mask: Uint8Array, rng: { choiceIndex(n: number): number }): number {
  const valid: number[] = [];
  for (let i = 0; i < mask.length; i++) if (mask[i] === 1) valid.push(i);
  return valid[rng.choiceIndex(valid.length)]!;
}

function runTrial(trialSteps: number): Omit<TrialFigures, 'warmupSteps'> {
  // The random policy draws from the env's stream, as the reference's mock-train draws `random.choice` from the
  // global `random` the simulator uses; seeds and draw order are the reference's, so both do the same work.
  const rng = seededEnvRng(seed);
  let completed = 0;
  // Part of the timed work (a few hash steps per completion, well under 1 % of the trial): it is the parity check.
  const digest = new TrialDigest();
  const env = new MigEnv({
    simulation,
    training,
    tokens: syntheticTokenTables(seed),
    rng,
    episodeLength: trialSteps,
    workloadSeed: seed,
    hooks: {
      onRequestCompleted: (r) => {
        completed++;
        digest.add(r.id);
        digest.add(r.firstTokenTimeS);
        digest.add(r.finishTimeS);
        digest.add(r.decodeTimeS);
        digest.add(r.generatedTokens);
      },
    },
  });
  const wall0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  env.reset();
  for (let k = 0; k < trialSteps; k++) {
    const { reward, observation } = env.step(randomValidAction(env.actionMasks(), rng));
    digest.add(reward);
    for (let i = 0; i < observation.length; i++) digest.add(observation[i]!);
  }
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  return {
    steps: trialSteps,
    seed,
    workloadSeed: seed,
    tokenSeed: seed,
    cpuS: round3(cpuS),
    wallS: round3(Number(process.hrtime.bigint() - wall0) / 1e9),
    stepsPerCpuS: Math.round(trialSteps / cpuS),
    completedRequests: completed,
    simTimeS: env.sim.nowS,
    digest: digest.hex(),
  };
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
// The warm-up episode (same seeds, fresh env): afterwards V8 has compiled the hot code, so the timed trial shows
// steady-state cost, what every episode after the first costs in training. The reference runs the same warm-up.
if (warmupSteps > 0) runTrial(warmupSteps);
const trial: TrialFigures = { ...runTrial(trialSteps), warmupSteps };
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

// The training-style episodes.
let completed = 0;
const rng = seededEnvRng(seed);
const env = new MigEnv({
  simulation,
  training,
  tokens: syntheticTokenTables(seed),
  rng,
  episodeLength: values.steps ? Number(values.steps) : training.ppo.episodeLength,
  hooks: { onRequestCompleted: () => completed++ },
});
// A full collection after each episode (outside the timed part) gives the live heap: flat from episode 1 to
// the last means nothing accumulates across resets (RSS alone also shows the collector's slack).
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;
let peakRss = process.memoryUsage().rss;
const rssAfter: number[] = [];
const liveHeapAfter: number[] = [];
let steps = 0;
let wallNs = 0n;
let cpuUs = 0;
for (let e = 0; e < episodes; e++) {
  const started = process.hrtime.bigint();
  const cpuStarted = process.cpuUsage();
  env.reset();
  for (let k = 0; k < env.episodeLength; k++) {
    env.step(randomValidAction(env.actionMasks(), rng));
    steps++;
    if ((k & 127) === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
  wallNs += process.hrtime.bigint() - started;
  const cpu = process.cpuUsage(cpuStarted);
  cpuUs += cpu.user + cpu.system;
  const rss = process.memoryUsage().rss;
  peakRss = Math.max(peakRss, rss);
  rssAfter.push(rss);
  collect();
  liveHeapAfter.push(process.memoryUsage().heapUsed);
}
const wallS = Number(wallNs) / 1e9;
// CPU seconds (all threads, GC included): on a shared machine they compare fairly, wall time does not.
const cpuS = cpuUs / 1e6;
const mib = (b: number) => Math.round((b / 1024 / 1024) * 10) / 10;
process.stdout.write(
  `${JSON.stringify({
    config: values.config,
    agents: simulation.agentCount,
    trial,
    ...comparison,
    episodes,
    stepsPerEpisode: env.episodeLength,
    wallS: round3(wallS),
    cpuS: round3(cpuS),
    envStepsPerS: Math.round(steps / wallS),
    envStepsPerCpuS: Math.round(steps / cpuS),
    simulatedRequestsPerS: Math.round(completed / wallS),
    completedRequests: completed,
    peakRssMiB: mib(peakRss),
    rssAfterFirstEpisodeMiB: mib(rssAfter[0] ?? 0),
    rssAfterLastEpisodeMiB: mib(rssAfter.at(-1) ?? 0),
    rssAfterEachEpisodeMiB: rssAfter.map(mib),
    liveHeapAfterEachEpisodeMiB: liveHeapAfter.map(mib),
    loadAverage: { before: loadBefore, after: load() },
  })}\n`,
);
