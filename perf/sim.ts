/**
 * Speed and memory of the RL environment over full episodes of the default config under a random valid-action
 * policy: environment steps per second, simulated (completed) requests per second, peak RSS, and RSS after the
 * first and the last episode (a growing gap means something leaks across resets). Prints one JSON object, with
 * the reference's Python simulator measured on the same config (perf/reference-sim-speed.json, produced by
 * scripts/reference-sim-speed.py) and the ratio of the two step rates.
 *
 *   npx tsx perf/sim.ts [--episodes 10] [--steps 1024] [--config configs/simulation_config.yaml] [--seed 0]
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { loadSimulationConfig, loadTrainingConfig } from '../core/config/index.js';
import { MigEnv, seededEnvRng } from '../core/control/index.js';
import { syntheticTokenTables } from '../core/workload/index.js';

const { values } = parseArgs({
  options: {
    episodes: { type: 'string', default: '10' },
    steps: { type: 'string' },
    config: { type: 'string', default: 'configs/simulation_config.yaml' },
    seed: { type: 'string', default: '0' },
  },
});
const episodes = Number(values.episodes);
const seed = Number(values.seed);
const simulation = loadSimulationConfig(values.config);
const training = loadTrainingConfig('configs/training_config.yaml');
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
// The random policy draws from the env's stream, as the reference's mock-train draws `random.choice` from the
// global `random` the simulator uses.
const policy = rng;
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
    const mask = env.actionMasks();
    const valid: number[] = [];
    mask.forEach((v, i) => {
      if (v === 1) valid.push(i);
    });
    env.step(valid[policy.choiceIndex(valid.length)]!);
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
// CPU seconds (all threads, GC included): on a shared machine they compare with the reference fairly, wall time does not.
const cpuS = cpuUs / 1e6;
const mib = (b: number) => Math.round((b / 1024 / 1024) * 10) / 10;
const envStepsPerS = steps / wallS;
const referenceFile = new URL('./reference-sim-speed.json', import.meta.url);
const reference = existsSync(referenceFile)
  ? (JSON.parse(readFileSync(referenceFile, 'utf8')) as { stepsPerCpuS: number; [k: string]: unknown })
  : undefined;
process.stdout.write(
  `${JSON.stringify({
    config: values.config,
    agents: simulation.agentCount,
    episodes,
    stepsPerEpisode: env.episodeLength,
    wallS: Math.round(wallS * 1000) / 1000,
    cpuS: Math.round(cpuS * 1000) / 1000,
    envStepsPerS: Math.round(envStepsPerS),
    envStepsPerCpuS: Math.round(steps / cpuS),
    simulatedRequestsPerS: Math.round(completed / wallS),
    completedRequests: completed,
    peakRssMiB: mib(peakRss),
    rssAfterFirstEpisodeMiB: mib(rssAfter[0] ?? 0),
    rssAfterLastEpisodeMiB: mib(rssAfter.at(-1) ?? 0),
    rssAfterEachEpisodeMiB: rssAfter.map(mib),
    liveHeapAfterEachEpisodeMiB: liveHeapAfter.map(mib),
    ...(reference
      ? {
          reference,
          speedupVsReferencePerCpuS: Math.round((steps / cpuS / reference.stepsPerCpuS) * 10) / 10,
        }
      : {}),
  })}\n`,
);
