/**
 * Training throughput of Maskable PPO end to end (rollout + update) for the default training config and net
 * (n_steps 2048, batch 256, 10 epochs, pi/vf [512, 512], VecNormalize), on the default simulation config:
 * env steps per second (wall and per CPU second), the share of time in the simulator vs the network (forward
 * passes while collecting + the PPO update), the tfjs backend, peak RSS. Prints one JSON object, with the SB3
 * MaskablePPO measurement from perf/results/sb3-maskable-ppo.json beside it and the ratio.
 *
 *   npx tsx perf/train.ts [--rollouts 1] [--seed 0] [--token-root DIR] [--sim-config configs/simulation_config.yaml]
 *
 * --token-root: the directory the simulation config's generate_path files are relative to (the profiling
 * stage's outputs); without them, seeded synthetic token lengths are used and the JSON says so.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { loadSimulationConfig, loadTrainingConfig } from '../core/config/index.js';
import { MigEnv, seededEnvRng } from '../core/control/index.js';
import { describeBackend, PpoTrainer, selectTfBackend, type TrainEnv } from '../core/rl/index.js';
import { episodeSeed, trainerConfigFrom } from '../core/stages/train/index.js';
import { loadTokenTables, syntheticTokenTables, tokenTableFiles } from '../core/workload/index.js';

const { values } = parseArgs({
  options: {
    rollouts: { type: 'string', default: '1' },
    seed: { type: 'string', default: '0' },
    'token-root': { type: 'string' },
    'sim-config': { type: 'string', default: 'configs/simulation_config.yaml' },
    'training-config': { type: 'string', default: 'configs/training_config.yaml' },
  },
});
const rollouts = Number(values.rollouts);
const seed = Number(values.seed);
const simulation = loadSimulationConfig(values['sim-config']);
const training = loadTrainingConfig(values['training-config']);

function tokens() {
  const root = values['token-root'];
  if (!root) return { tokens: syntheticTokenTables(seed), source: 'synthetic' };
  const here = process.cwd();
  process.chdir(resolve(root));
  try {
    const missing = tokenTableFiles(simulation).filter((f) => !existsSync(f));
    if (missing.length > 0)
      return { tokens: syntheticTokenTables(seed), source: `synthetic (missing ${missing[0]})` };
    return { tokens: loadTokenTables(simulation), source: resolve(root) };
  } finally {
    process.chdir(here);
  }
}

const backend = await selectTfBackend();
const { tokens: tokenTables, source: tokenSource } = tokens();
const rng = seededEnvRng(seed);
const env = new MigEnv({ simulation, training, tokens: tokenTables, rng });
let simMs = 0;
let simCpuUs = 0;
const timed = <T>(f: () => T): T => {
  const t = performance.now();
  const c = process.cpuUsage();
  const r = f();
  const dc = process.cpuUsage(c);
  simCpuUs += dc.user + dc.system;
  simMs += performance.now() - t;
  return r;
};
const trainEnv: TrainEnv = {
  observationLength: env.observationLength,
  actionCount: env.actionCount,
  reset: (i) =>
    timed(() => {
      rng.seed(episodeSeed(seed, i));
      return env.reset();
    }),
  actionMasks: () => timed(() => env.actionMasks()),
  step: (a) => timed(() => env.step(a)),
};
const p = training.ppo;
const totalSteps = rollouts * p.nSteps;
let updateS = 0;
let peakRss = process.memoryUsage().rss;
const trainer = new PpoTrainer(trainEnv, trainerConfigFrom(training, totalSteps, seed), {
  onUpdate: (u) => {
    updateS += u.updateS;
  },
  onStep: (s) => {
    if ((s.steps & 63) === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
  },
});
const tensorsBefore = tf.memory().numTensors;
const cpuStarted = process.cpuUsage();
const started = performance.now();
await trainer.learn();
const wallS = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuStarted);
const cpuS = (cpu.user + cpu.system) / 1e6;
peakRss = Math.max(peakRss, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);
const simS = simMs / 1000;
// Network = forward passes while collecting (everything in the loop that is not the simulator) + the update.
const collectNetS = wallS - simS - updateS;
const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

const sb3File = new URL('./results/sb3-maskable-ppo.json', import.meta.url);
const sb3 = existsSync(sb3File)
  ? (JSON.parse(readFileSync(sb3File, 'utf8')) as {
      envStepsPerS?: number | null;
      envStepsPerCpuS?: number;
      [k: string]: unknown;
    })
  : undefined;
const envStepsPerS = totalSteps / wallS;
const envStepsPerCpuS = totalSteps / cpuS;
process.stdout.write(
  `${JSON.stringify(
    {
      agents: simulation.agentCount,
      obsSize: env.observationLength,
      actionCount: env.actionCount,
      netArch: p.netArch,
      nSteps: p.nSteps,
      batchSize: p.batchSize,
      nEpochs: p.nEpochs,
      episodeLength: p.episodeLength,
      sb3Norm: training.sb3Norm,
      tokens: tokenSource,
      backend: describeBackend(backend),
      envSteps: totalSteps,
      wallS: round(wallS),
      cpuS: round(cpuS),
      envStepsPerS: round(envStepsPerS, 2),
      envStepsPerCpuS: round(envStepsPerCpuS, 2),
      simulationS: round(simS),
      collectNetworkS: round(collectNetS),
      updateS: round(updateS),
      simulationShare: round(simS / wallS),
      networkShare: round((collectNetS + updateS) / wallS),
      // CPU seconds split the same way; on a shared machine they are the fairer figures.
      simulationCpuS: round(simCpuUs / 1e6),
      networkCpuS: round(cpuS - simCpuUs / 1e6),
      simulationCpuShare: round(simCpuUs / 1e6 / cpuS),
      peakRssMiB: round(peakRss / 1024 / 1024, 1),
      leakedTensors: tf.memory().numTensors - tensorsBefore,
      sb3: sb3 ?? null,
      // Wall-clock ratio only where the SB3 file has a wall-clock rate measured on a quiet machine.
      ratioToSb3: sb3?.envStepsPerS ? round(envStepsPerS / sb3.envStepsPerS, 2) : null,
      ratioToSb3PerCpuS: sb3?.envStepsPerCpuS ? round(envStepsPerCpuS / sb3.envStepsPerCpuS, 2) : null,
    },
    null,
    2,
  )}\n`,
);
trainer.dispose();
process.exit(0);
