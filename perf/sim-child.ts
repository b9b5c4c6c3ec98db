/**
 * bench:sim's measured part (perf/sim.ts starts it): the side-by-side trial and the training-style episodes, in a
 * process of its own that runs this module as its esbuild bundle under plain node with the bench trial's node flags —
 * the way the product runs the simulator (a bench stage's trial child, core/stages/bench; training's environment
 * workers are bundled the same way). Under tsx every project file is a module of its own behind the loader, and the
 * same trial costs about a tenth more CPU than in the bundle. Prints one JSON object (`SimChildOutput`) on stdout.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startedAsEntry } from '../core/child/index.js';
import { loadSimulationConfig, loadTrainingConfig } from '../core/config/index.js';
import { MigEnv, seededEnvRng } from '../core/control/index.js';
import { syntheticTokenTables } from '../core/workload/index.js';

export interface SimChildArgs {
  readonly config: string;
  readonly trainingConfig: string;
  readonly seed: number;
  readonly trialSteps: number;
  readonly warmupSteps: number;
  readonly episodes: number;
  /** Decisions per training-style episode; default `PPO.episode_length`. */
  readonly steps?: number;
}

/** The trial the reference is compared on: what measure_reference_sim.py runs, with the same arguments. */
export interface TrialFigures {
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

export interface SimChildOutput {
  readonly agents: number;
  readonly trial: TrialFigures;
  readonly episodes: Record<string, unknown>;
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

const round3 = (x: number) => Math.round(x * 1000) / 1000;

function randomValidAction(mask: Uint8Array, rng: { choiceIndex(n: number): number }): number {
  const valid: number[] = [];
  for (let i = 0; i < mask.length; i++) if (mask[i] === 1) valid.push(i);
  return valid[rng.choiceIndex(valid.length)]!;
}

export function runSimChild(args: SimChildArgs): SimChildOutput {
  const simulation = loadSimulationConfig(args.config);
  const training = loadTrainingConfig(args.trainingConfig);
  const seed = args.seed;

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

  // The warm-up episode (same seeds, fresh env): afterwards V8 has compiled the hot code, so the timed trial shows
  // steady-state cost, what every episode after the first costs in training. The reference runs the same warm-up.
  if (args.warmupSteps > 0) runTrial(args.warmupSteps);
  const trial: TrialFigures = { ...runTrial(args.trialSteps), warmupSteps: args.warmupSteps };

  // The training-style episodes.
  let completed = 0;
  const rng = seededEnvRng(seed);
  const env = new MigEnv({
    simulation,
    training,
    tokens: syntheticTokenTables(seed),
    rng,
    episodeLength: args.steps ?? training.ppo.episodeLength,
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
  for (let e = 0; e < args.episodes; e++) {
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
  return {
    agents: simulation.agentCount,
    trial,
    episodes: {
      episodes: args.episodes,
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
    },
  };
}

if (startedAsEntry('sim-child')) {
  const args = JSON.parse(process.argv[2] ?? '{}') as SimChildArgs;
  process.stdout.write(`${JSON.stringify(runSimChild(args))}\n`);
}
