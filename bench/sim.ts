/**
 * Speed and memory of the RL environment over full episodes of the default config under a random valid-action
 * policy: environment steps per second, simulated (completed) requests per second, peak RSS, and RSS after the
 * first and the last episode (a growing gap means something leaks across resets). Prints one JSON object.
 *
 *   npx tsx bench/sim.ts [--episodes 10] [--steps 1024] [--config configs/simulation_config.yaml] [--seed 0]
 */
import { parseArgs } from 'node:util';
import { loadSimulationConfig } from '../core/config/simulation.js';
import { loadTrainingConfig } from '../core/config/training.js';
import { MigEnv, seededEnvRng } from '../core/rl/env/index.js';
import { syntheticTokenTables } from '../core/rl/env/token-tables.js';

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
const env = new MigEnv({
  simulation,
  training,
  tokens: syntheticTokenTables(seed),
  rng: seededEnvRng(seed),
  episodeLength: values.steps ? Number(values.steps) : training.ppo.episodeLength,
  hooks: { onRequestCompleted: () => completed++ },
});
const policy = seededEnvRng(seed + 1);
let peakRss = process.memoryUsage().rss;
const rssAfter: number[] = [];
let steps = 0;
const started = process.hrtime.bigint();
for (let e = 0; e < episodes; e++) {
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
  const rss = process.memoryUsage().rss;
  peakRss = Math.max(peakRss, rss);
  rssAfter.push(rss);
}
const wallS = Number(process.hrtime.bigint() - started) / 1e9;
const mib = (b: number) => Math.round((b / 1024 / 1024) * 10) / 10;
process.stdout.write(
  `${JSON.stringify({
    config: values.config,
    agents: simulation.agentCount,
    episodes,
    stepsPerEpisode: env.episodeLength,
    wallS: Math.round(wallS * 1000) / 1000,
    envStepsPerS: Math.round(steps / wallS),
    simulatedRequestsPerS: Math.round(completed / wallS),
    completedRequests: completed,
    peakRssMiB: mib(peakRss),
    rssAfterFirstEpisodeMiB: mib(rssAfter[0] ?? 0),
    rssAfterLastEpisodeMiB: mib(rssAfter.at(-1) ?? 0),
  })}\n`,
);
