/**
 * Training throughput of Maskable PPO end to end (rollout + update) for the default training config and net
 * (n_steps 2048 per environment, batch 256, 10 epochs, pi/vf [512, 512], VecNormalize), on the default simulation
 * config, for one and two environments (`training.PPO.n_envs`). Prints one JSON object: per environment count, env
 * steps per wall second and per CPU second, where the time went (simulator, forward passes while collecting, the
 * update), and the update's distance from the FLOP limit — the update's matMul FLOPs counted from the shapes,
 * divided by the fastest matMul GFLOP/s available on this machine (measured here on one thread, on the update's
 * shapes: tfjs's matMul and migflow's own kernels, both printed) and by the cores the update uses. Beside it, the
 * SB3 MaskablePPO measurement from perf/results/sb3-maskable-ppo.json.
 *
 *   npx tsx perf/train.ts [--n-envs 1,2] [--rollouts 1] [--seed 0] [--token-root DIR] [--sim-config FILE]
 *
 * --token-root: the directory the simulation config's generate_path files are relative to (the profiling stage's
 * outputs); without them, seeded synthetic token lengths are used and the JSON says so. Run it alone on the machine
 * (`flock /work/coord/bench.lock`): CPU seconds are the fairer figure on a shared one, and `loadAverage` says how
 * shared it was.
 */
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import {
  loadSimulationConfig,
  loadTrainingConfig,
  type ResolvedTrainingConfig,
} from '../core/config/index.js';
import {
  createKernelMemory,
  describeBackend,
  InProcessVecEnv,
  Kernels,
  type MatMulShape,
  MemoryPlan,
  PpoTrainer,
  planStack,
  SavableRng,
  selectTfBackend,
  type TrainEnv,
  threadCpuS,
  updateFlops,
  type VecEnv,
} from '../core/rl/index.js';
import {
  createTrainEnv,
  type TokenTables,
  tokenTableSet,
  trainerConfigFrom,
  WorkerVecEnv,
} from '../core/stages/train/index.js';
import { loadTokenTables, syntheticTokenTables, tokenTableFiles } from '../core/workload/index.js';

const { values } = parseArgs({
  options: {
    'n-envs': { type: 'string', default: '1,2' },
    rollouts: { type: 'string', default: '1' },
    seed: { type: 'string', default: '0' },
    'token-root': { type: 'string' },
    'sim-config': { type: 'string', default: 'configs/simulation_config.yaml' },
    'training-config': { type: 'string', default: 'configs/training_config.yaml' },
  },
});
const envCounts = values['n-envs'].split(',').map(Number);
if (envCounts.some((n) => !Number.isInteger(n) || n < 1))
  throw new Error('--n-envs: a comma-separated list of whole numbers ≥ 1');
const rollouts = Number(values.rollouts);
const seed = Number(values.seed);
const simConfigPath = values['sim-config'];
const simulation = loadSimulationConfig(simConfigPath);
const baseTraining = loadTrainingConfig(values['training-config']);

function tokens(): { tokens: TokenTables; source: string } {
  const root = values['token-root'];
  if (!root) return { tokens: syntheticTokenTables(seed), source: 'synthetic' };
  const here = process.cwd();
  process.chdir(resolve(root));
  try {
    const missing = tokenTableFiles(simulation).filter((f) => !existsSync(f));
    if (missing.length > 0)
      return { tokens: syntheticTokenTables(seed), source: `synthetic (missing ${missing[0]})` };
    // Loaded here, once: worker threads get the tables, not the paths (they cannot chdir).
    const t = loadTokenTables(simulation);
    const set = tokenTableSet(simulation, t);
    return { tokens: (agent, model) => set[`${agent}/${model}`]!, source: resolve(root) };
  } finally {
    process.chdir(here);
  }
}

const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;
const cpuNow = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
};

interface Rate {
  perCpuS: number;
  perWallS: number;
}

/** Weighs per-shape timings by each shape's share of the update's FLOPs. */
function weighted(
  shapes: readonly MatMulShape[],
  time: (s: MatMulShape, reps: number) => { cpuS: number; wallS: number },
) {
  let flops = 0;
  let cpuS = 0;
  let wallS = 0;
  for (const s of shapes) {
    const reps = Math.max(20, Math.ceil(2e9 / s.flops));
    time(s, 5);
    const t = time(s, reps);
    // Time this shape takes in the update, at its measured rate.
    flops += s.flops;
    cpuS += (s.flops / (s.flops * reps)) * t.cpuS;
    wallS += (s.flops / (s.flops * reps)) * t.wallS;
  }
  return { perCpuS: flops / cpuS / 1e9, perWallS: flops / wallS / 1e9 };
}

function timed(f: () => void, reps: number): { cpuS: number; wallS: number } {
  const c = cpuNow();
  const t = performance.now();
  for (let i = 0; i < reps; i++) f();
  return { cpuS: cpuNow() - c, wallS: (performance.now() - t) / 1000 };
}

/**
 * matMul GFLOP/s of the tfjs backend on one thread for the update's shapes (forward x·W, dx = dy·Wᵀ, dW = xᵀ·dy at
 * the minibatch size, each as a plain [m, k]·[k, n] matMul), weighted by each shape's share of the update's FLOPs;
 * per CPU second and per wall second.
 */
function measureTfjsGflops(shapes: readonly MatMulShape[]): Rate {
  return weighted(shapes, (s, reps) => {
    const a = tf.randomNormal([s.m, s.k]);
    const b = tf.randomNormal([s.k, s.n]);
    const t = timed(() => tf.matMul(a, b).dispose(), reps);
    tf.dispose([a, b]);
    return t;
  });
}

/**
 * The same for migflow's kernels (core/rl/kernels/mlp.c) as the update calls them: x·W and dy·Wᵀ on packed weights,
 * dW = xᵀ·dy straight from the activations (each operand in the layout the update keeps it in), on sizes padded to their tiles (rows to 2, columns to 8) but counted
 * at the real FLOPs.
 */
function measureKernelGflops(shapes: readonly MatMulShape[]): Rate {
  const up = (x: number, m: number) => Math.ceil(x / m) * m;
  const floats = shapes.map((s) => {
    const tn = s.kind === 'weights';
    // Rows in fours covers both layouts (row quads need them whole).
    const rp = up(tn ? s.k : s.m, 4);
    const kp = up(tn ? s.m : s.k, 8);
    const np = up(s.n, 8);
    return { a: rp * kp, b: (tn ? rp : kp) * np, c: (tn ? kp : rp) * np };
  });
  const plan = new MemoryPlan();
  const most = (f: (x: { a: number; b: number; c: number }) => number) => Math.max(...floats.map(f));
  const a = plan.floats(most((x) => x.a));
  const b = plan.floats(most((x) => x.b));
  const c = plan.floats(most((x) => x.c));
  const stack = planStack(plan);
  const k = new Kernels(createKernelMemory(plan.bytes), stack);
  const rng = new SavableRng(1);
  for (const at of [a, b]) {
    const v = k.view(at, (c - at) / 4);
    for (let i = 0; i < v.length; i++) v[i] = rng.gauss(0, 1);
  }
  return weighted(shapes, (s, reps) => {
    if (s.kind === 'weights') {
      const rp = up(s.k, 2);
      return timed(() => k.x.matmul_tn(s.k, rp, up(s.m, 8), up(s.n, 8), a, b, c), reps);
    }
    return timed(() => k.x.matmul(up(s.m, 2), up(s.k, 8), up(s.n, 8), a, b, c), reps);
  });
}

interface Timed {
  simWallS: number;
  simCpuS: number;
}

/** Wraps an in-process env so the time spent in the simulator is accounted. */
function timedEnv(env: TrainEnv, t: Timed): TrainEnv {
  const timed = <T>(f: () => T): T => {
    const w = performance.now();
    const c = cpuNow();
    const r = f();
    t.simCpuS += cpuNow() - c;
    t.simWallS += (performance.now() - w) / 1000;
    return r;
  };
  return {
    observationLength: env.observationLength,
    actionCount: env.actionCount,
    reset: (i) => timed(() => env.reset(i)),
    actionMasks: () => timed(() => env.actionMasks()),
    step: (a) => timed(() => env.step(a)),
  };
}

async function run(nEnvs: number, tables: TokenTables, gflops: Rate) {
  const training: ResolvedTrainingConfig = { ...baseTraining, ppo: { ...baseTraining.ppo, nEnvs } };
  const p = training.ppo;
  const timing: Timed = { simWallS: 0, simCpuS: 0 };
  let workers: WorkerVecEnv | undefined;
  let env: VecEnv;
  if (nEnvs === 1) {
    env = new InProcessVecEnv([
      timedEnv(
        createTrainEnv({ simulation, training, tokens: tables, runSeed: seed, envIndex: 0, stepLogs: false }),
        timing,
      ),
    ]);
  } else {
    workers = await WorkerVecEnv.start(
      Array.from({ length: nEnvs }, (_, envIndex) => ({
        trainingConfigFile: training.file,
        trainingConfigYaml: readFileSync(values['training-config'], 'utf8'),
        simulationConfigFile: simConfigPath,
        simulationConfigYaml: readFileSync(simConfigPath, 'utf8'),
        tokenTables: tokenTableSet(simulation, tables),
        runSeed: seed,
        envIndex,
        stepLogs: false,
      })),
    );
    env = workers;
    // The trainer's view of the simulator: the time it waits for the workers' steps and resets.
    const step = env.step.bind(env);
    const reset = env.reset.bind(env);
    env = Object.assign(Object.create(workers) as VecEnv, {
      step: async (a: Int32Array) => {
        const w = performance.now();
        const r = await step(a);
        timing.simWallS += (performance.now() - w) / 1000;
        return r;
      },
      reset: async (q: readonly { env: number; resetIndex: number }[]) => {
        const w = performance.now();
        const r = await reset(q);
        timing.simWallS += (performance.now() - w) / 1000;
        return r;
      },
    });
  }
  const totalSteps = rollouts * p.nSteps * nEnvs;
  const tensorsBefore = tf.memory().numTensors;
  let updateS = 0;
  let updateTrainerCpuS = 0;
  let peakRss = process.memoryUsage().rss;
  const trainer = new PpoTrainer(env, trainerConfigFrom(training, totalSteps, seed), {
    onUpdate: (u) => {
      updateS += u.updateS;
      updateTrainerCpuS += u.updateCpuS ?? 0;
    },
    onStep: (s) => {
      if ((s.steps & 63) === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
    },
  });
  const workersAtStart = workers ? await workers.cpuStats() : undefined;
  const cpuStarted = cpuNow();
  const mainCpuStarted = threadCpuS() ?? 0;
  const started = performance.now();
  await trainer.learn();
  const wallS = (performance.now() - started) / 1000;
  const cpuS = cpuNow() - cpuStarted;
  const mainCpuS = (threadCpuS() ?? 0) - mainCpuStarted;
  peakRss = Math.max(peakRss, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);
  const threads = workers ? await workers.cpuStats() : undefined;
  const workersStartCpuS = workersAtStart?.reduce((a, t) => a + t.threadCpuS, 0) ?? 0;
  const simCpuS = threads ? threads.reduce((a, t) => a + t.envCpuS, 0) : timing.simCpuS;
  const shardCpuS = threads ? threads.reduce((a, t) => a + t.shardCpuS, 0) : undefined;
  trainer.dispose();
  await trainer.close();
  const leaked = tf.memory().numTensors - tensorsBefore;

  const flops = updateFlops({
    obsSize: env.observationLength,
    actionCount: env.actionCount,
    netArch: p.netArch,
  });
  const updateGflop = (flops.perSampleEpoch * totalSteps * p.nEpochs) / 1e9;
  const forwardGflop = (flops.forwardPerSample * totalSteps) / 1e9;
  const cores = Math.min(nEnvs, availableParallelism());
  // Forward passes while collecting (decisions and bootstrap values, sampling included), timed by the trainer
  // around the calls (wall, and CPU from getrusage, exact for its thread). The rest of the trainer's collection time
  // not spent waiting for the simulators is its bookkeeping: normalisation, buffer writes, step messages to the
  // workers, logs — neither simulator nor network.
  const forwardS = trainer.forwardS;
  const otherS = wallS - timing.simWallS - updateS - forwardS;
  const networkS = forwardS + updateS;
  // CPU seconds of the update: the trainer's thread during updates plus the workers' gradient and Adam work; of the
  // bookkeeping: the trainer's thread outside updates and forward passes (several environments) or its wall time
  // (one: the same thread runs the simulator, whose getrusage share includes V8's helper threads).
  const updateCpuS = updateTrainerCpuS + (shardCpuS ?? 0);
  const forwardCpuS = trainer.forwardCpuS;
  const otherCpuS = threads ? mainCpuS - updateTrainerCpuS - forwardCpuS : otherS;
  const perStep = (x: number) => round((1000 * x) / totalSteps, 3);
  const limit = (gflop: number) => gflop / gflops.perCpuS;
  return {
    nEnvs,
    envSteps: totalSteps,
    wallS: round(wallS),
    cpuS: round(cpuS),
    envStepsPerS: round(totalSteps / wallS, 2),
    envStepsPerCpuS: round(totalSteps / cpuS, 2),
    // Wall seconds on the trainer's thread: waiting for the simulators, forward passes, bookkeeping, the update.
    simulationS: round(timing.simWallS),
    collectForwardS: round(forwardS),
    collectOtherS: round(otherS),
    updateS: round(updateS),
    simulationShare: round(timing.simWallS / wallS),
    networkShare: round(networkS / wallS),
    // CPU seconds by kind of work (per thread, from /proc; one environment: the simulator from getrusage).
    simulationCpuS: round(simCpuS),
    collectForwardCpuS: round(forwardCpuS),
    collectOtherCpuS: round(otherCpuS),
    updateCpuS: round(updateCpuS),
    // Of which the trainer's thread (minibatch order, advantage normalisation, messages, packing the weights).
    updateTrainerCpuS: round(updateTrainerCpuS),
    trainerThreadCpuS: round(mainCpuS),
    ...(threads
      ? { workerThreadsCpuS: round(threads.reduce((a, t) => a + t.threadCpuS, 0) - workersStartCpuS) }
      : {}),
    msPerEnvStep: {
      simulationCpu: perStep(simCpuS),
      networkCpu: perStep(forwardCpuS + updateCpuS),
      networkWall: perStep(networkS),
      collectOtherCpu: perStep(otherCpuS),
    },
    // The network's matMul FLOPs against the fastest single-thread matMul rate (matMulGflops[flopLimitUses]): the
    // least CPU time they can take; the wall limit divides it by the cores the update runs on.
    flopLimit: {
      updateGflop: round(updateGflop, 2),
      forwardGflop: round(forwardGflop, 2),
      mflopPerEnvStep: round(((updateGflop + forwardGflop) * 1e3) / totalSteps, 2),
      updateCoresUsed: cores,
      updateLimitCpuS: round(limit(updateGflop)),
      updateCpuS: round(updateCpuS),
      updateCpuOverLimit: round(updateCpuS / limit(updateGflop), 2),
      updateLimitWallS: round(limit(updateGflop) / cores),
      updateWallS: round(updateS),
      updateWallOverLimit: round(updateS / (limit(updateGflop) / cores), 2),
      forwardCpuOverLimit: round(forwardCpuS / limit(forwardGflop), 2),
      networkCpuOverLimit: round((forwardCpuS + updateCpuS) / limit(updateGflop + forwardGflop), 2),
    },
    peakRssMiB: round(peakRss / 1024 / 1024, 1),
    leakedTensors: leaked,
  };
}

const backend = await selectTfBackend();
const { tokens: tables, source: tokenSource } = tokens();
const probe = createTrainEnv({
  simulation,
  training: baseTraining,
  tokens: tables,
  runSeed: seed,
  envIndex: 0,
  stepLogs: false,
});
const netShapes = updateFlops({
  obsSize: probe.observationLength,
  actionCount: probe.actionCount,
  netArch: baseTraining.ppo.netArch,
}).matMulShapes(baseTraining.ppo.batchSize);
const tfjsGflops = measureTfjsGflops(netShapes);
const kernelGflops = measureKernelGflops(netShapes);
// The FLOP limit is set by the faster of the two on this machine.
const limitBy = kernelGflops.perCpuS >= tfjsGflops.perCpuS ? 'kernels' : 'tfjs';
const gflops = limitBy === 'kernels' ? kernelGflops : tfjsGflops;
const results = [];
for (const n of envCounts) results.push(await run(n, tables, gflops));

const sb3File = new URL('./results/sb3-maskable-ppo.json', import.meta.url);
const sb3 = existsSync(sb3File)
  ? (JSON.parse(readFileSync(sb3File, 'utf8')) as {
      envStepsPerCpuS?: number;
      networkCpuS?: number;
      updateCpuS?: number;
    })
  : undefined;
const one = results.find((r) => r.nEnvs === 1);
const p = baseTraining.ppo;
process.stdout.write(
  `${JSON.stringify(
    {
      agents: simulation.agentCount,
      obsSize: probe.observationLength,
      actionCount: probe.actionCount,
      netArch: p.netArch,
      nStepsPerEnv: p.nSteps,
      batchSize: p.batchSize,
      nEpochs: p.nEpochs,
      episodeLength: p.episodeLength,
      sb3Norm: baseTraining.sb3Norm,
      tokens: tokenSource,
      backend: describeBackend(backend),
      cores: availableParallelism(),
      loadAverage: loadavg().map((x) => round(x, 2)),
      // One thread, the update's shapes weighted by their FLOPs: tfjs's matMul (XNNPACK) and migflow's kernels.
      matMulGflops: {
        tfjs: { perCpuS: round(tfjsGflops.perCpuS, 1), perWallS: round(tfjsGflops.perWallS, 1) },
        kernels: { perCpuS: round(kernelGflops.perCpuS, 1), perWallS: round(kernelGflops.perWallS, 1) },
        flopLimitUses: limitBy,
      },
      runs: results,
      // SB3 MaskablePPO (torch on this CPU, reference env), from perf/results/sb3-maskable-ppo.json: one rollout.
      sb3: sb3
        ? { envStepsPerCpuS: sb3.envStepsPerCpuS, networkCpuS: sb3.networkCpuS, updateCpuS: sb3.updateCpuS }
        : null,
      ratioToSb3PerCpuS:
        one && sb3?.envStepsPerCpuS ? round(one.envStepsPerCpuS / sb3.envStepsPerCpuS, 2) : null,
    },
    null,
    2,
  )}\n`,
);
process.exit(0);
