/**
 * Learning check on a known-answer setting built from the real environment and the real PPO code: with the
 * latency terms and bonuses switched off (alpha 0, no quality or affinity bonus) the reward is exactly −Ω·scaling
 * = −1.2 for every decision other than NO_ACTION and 0 for NO_ACTION, so the best policy never acts. An unlimited
 * budget keeps ~40 actions valid at almost every decision, so a random valid-action policy acts nearly every step.
 * Light traffic keeps the simulator cheap; episodes are 16 decisions.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readTrainingConfig } from '../../../core/config/index.js';
import { loadSimulationConfig } from '../../../core/config/simulation.js';
import { MigEnv, seededEnvRng } from '../../../core/control/index.js';
import { loadPolicyForInference } from '../../../core/rl/inference.js';
import { episodeSeed, runTraining } from '../../../core/stages/train/train-run.js';
import { syntheticTokenTables } from '../../../core/workload/token-tables.js';

const tmp = mkdtempSync(join(tmpdir(), 'migflow-rl-learn-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const light = { CodingAgent: [0.05, 0.1], RAGAgent: [0.05, 0.1], ChatAgent: [0.05, 0.1] };
const OVERRIDES = {
  'training.PPO.episode_length': 16,
  // Short rollouts: many small PPO updates, since each one may move the policy only within the clip range.
  'training.PPO.n_steps': 32,
  'training.PPO.batch_size': 32,
  'training.PPO.n_epochs': 10,
  'training.PPO.ent_coef': 0,
  'training.PPO.lr_max': 3e-3,
  'training.PPO.lr_min': 3e-3,
  'training.PPO.net_arch.pi': [64, 64],
  'training.PPO.net_arch.vf': [64, 64],
  'training.reconfig.budget': 1e9,
  'training.reward.alpha': { CodingAgent: 0, RAGAgent: 0, ChatAgent: 0 },
  'training.reward.use_quality_bonus': false,
  'training.reward.use_affinity_bonus': false,
  ...Object.fromEntries(['idle', 'even', 'busy', 'burst'].map((p) => [`training.patterns.${p}.rate`, light])),
};
const EVAL_EPISODES = 10;
/**
 * Mean episode reward the trained policy must beat the random policy by: 5.0, i.e. ≥ 4 fewer actions per
 * 16-decision episode. Training seeds 5, 6 and 7 of this setting beat it by 11.5, 10.9 and 6.6 (random: −15.4);
 * the run is deterministic for a seed, and the test uses 5.
 */
const MARGIN = 5;

function meanEpisodeReward(pick: (obs: Float32Array, mask: Uint8Array) => number): number {
  const simulation = loadSimulationConfig('configs/simulation_config.yaml');
  const { training } = readTrainingConfig('configs/training_config.yaml', OVERRIDES);
  const rng = seededEnvRng(0);
  const env = new MigEnv({ simulation, training, tokens: syntheticTokenTables(9), rng });
  let total = 0;
  for (let e = 0; e < EVAL_EPISODES; e++) {
    // Held-out episodes: a seed the training run never uses.
    rng.seed(episodeSeed(999, e));
    let { observation } = env.reset();
    for (let k = 0; k < env.episodeLength; k++) {
      const r = env.step(pick(observation, env.actionMasks()));
      total += r.reward;
      observation = r.observation;
    }
  }
  return total / EVAL_EPISODES;
}

describe('Maskable PPO learns', () => {
  it(`after 1536 env steps the greedy policy beats a random valid-action policy by ≥ ${MARGIN} reward per episode`, async () => {
    const result = await runTraining({
      trainingConfigPath: 'configs/training_config.yaml',
      simulationConfigPath: 'configs/simulation_config.yaml',
      overrides: OVERRIDES,
      runDir: join(tmp, 'run'),
      totalSteps: 1536,
      seed: 5,
      syntheticTokens: true,
      stepLogs: false,
    });
    const policy = loadPolicyForInference(result.finalCheckpoint);
    const pickRng = seededEnvRng(77);
    const random = meanEpisodeReward((_obs, mask) => {
      const valid: number[] = [];
      mask.forEach((v, i) => {
        if (v === 1) valid.push(i);
      });
      return valid[pickRng.choiceIndex(valid.length)]!;
    });
    const trained = meanEpisodeReward((obs, mask) => policy.actDeterministic(obs, mask));
    // Random acts at almost every decision: about −1.2 × 13.
    expect(random).toBeLessThan(-12);
    expect(trained).toBeGreaterThan(random + MARGIN);
  }, 180_000);
});
