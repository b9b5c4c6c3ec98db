/**
 * What keeps a warm-started actor through PPO's first updates: critic warm-up (training.PPO.critic_warmup_updates —
 * the first updates fit only the critic, the actor bit for bit as it was) and SB3's target_kl (training.PPO.target_kl
 * — an update stops its epochs once the policy has moved that far). Both on the one-environment (tape) update and the
 * several-environment (sharded) update, and both off by default.
 */
import { describe, expect, it } from 'vitest';
import { readTrainingConfig } from '../../../core/config/index.js';
import { loadSimulationConfig } from '../../../core/config/simulation.js';
import type { UpdateRecord } from '../../../core/rl/trainer.js';
import { trainerConfigFrom } from '../../../core/stages/train/train-run.js';
import { syntheticTokenTables } from '../../../core/workload/index.js';
import { inProcessTrainer } from './in-process-trainer.js';
import { useTfBackend } from './tf-setup.js';

useTfBackend();

const SIM = 'configs/simulation_config.yaml';
const TRAINING = 'configs/training_config.yaml';
const TINY = {
  'training.PPO.episode_length': 16,
  'training.PPO.n_steps': 32,
  'training.PPO.batch_size': 16,
  'training.PPO.n_epochs': 3,
  'training.PPO.net_arch.pi': [16],
  'training.PPO.net_arch.vf': [16],
};
const simulation = loadSimulationConfig(SIM);
const tokens = syntheticTokenTables(3);

/** Trains `steps` env steps; returns the weights before and after and the update records. */
async function train(
  overrides: Record<string, unknown>,
  steps: number,
): Promise<{ before: Map<string, Float32Array>; after: Map<string, Float32Array>; updates: UpdateRecord[] }> {
  const { training } = readTrainingConfig(TRAINING, { ...TINY, ...overrides });
  const updates: UpdateRecord[] = [];
  const trainer = inProcessTrainer({
    simulation,
    training,
    tokens,
    seed: 3,
    steps,
    callbacks: { onUpdate: (u) => updates.push(u) },
  });
  try {
    const before = new Map(trainer.exportState().tensors);
    await trainer.learn();
    return { before, after: new Map(trainer.exportState().tensors), updates };
  } finally {
    trainer.dispose();
    await trainer.close();
  }
}

const part = (weights: Map<string, Float32Array>, prefix: 'pi/' | 'vf/') =>
  [...weights].filter(([name]) => name.startsWith(prefix));

describe('critic warm-up', () => {
  for (const nEnvs of [1, 2]) {
    it(`keeps the actor exactly and trains the critic during its updates, then trains both (n_envs ${nEnvs})`, async () => {
      const set = { 'training.PPO.n_envs': nEnvs, 'training.PPO.critic_warmup_updates': 2 };
      const rollout = 32 * nEnvs;
      const warm = await train(set, 2 * rollout);
      expect(warm.updates.map((u) => u.criticOnly)).toEqual([true, true]);
      expect(part(warm.after, 'pi/')).toEqual(part(warm.before, 'pi/'));
      expect(part(warm.after, 'vf/')).not.toEqual(part(warm.before, 'vf/'));
      // The critic still learns its value loss (the returns are untouched by the zeroed advantages).
      expect(warm.updates[0]!.valueLoss).toBeGreaterThan(0);

      const after = await train(set, 3 * rollout);
      expect(after.updates.map((u) => u.criticOnly)).toEqual([true, true, undefined]);
      expect(part(after.after, 'pi/')).not.toEqual(part(after.before, 'pi/'));
    }, 120_000);
  }

  it('is off by default: the trainer config carries no warm-up and every update moves the actor', async () => {
    const { training } = readTrainingConfig(TRAINING, TINY);
    expect(training.ppo.criticWarmupUpdates).toBe(0);
    const config = trainerConfigFrom(training, 64, 3);
    expect(config).not.toHaveProperty('criticWarmupUpdates');
    expect(config.ppo).not.toHaveProperty('targetKl');
    const plain = await train({}, 32);
    expect(plain.updates[0]).not.toHaveProperty('criticOnly');
    expect(part(plain.after, 'pi/')).not.toEqual(part(plain.before, 'pi/'));
  }, 60_000);
});

describe('target_kl', () => {
  for (const nEnvs of [1, 2]) {
    it(`stops an update's epochs early once the approximate KL passes 1.5 × target_kl (n_envs ${nEnvs})`, async () => {
      const full = await train({ 'training.PPO.n_envs': nEnvs }, 32 * nEnvs);
      expect(full.updates[0]!.epochs).toBe(3);
      // A target that a few Adam steps overshoot: the update ends before its last epoch.
      const early = await train(
        { 'training.PPO.n_envs': nEnvs, 'training.PPO.target_kl': 1e-12 },
        32 * nEnvs,
      );
      expect(early.updates[0]!.epochs).toBeLessThan(3);
      expect(part(early.after, 'pi/')).not.toEqual(part(early.before, 'pi/'));
    }, 120_000);
  }

  it('is refused when not positive, naming the field', () => {
    expect(() => readTrainingConfig(TRAINING, { 'training.PPO.target_kl': 0 })).toThrow(/target_kl/);
    expect(() => readTrainingConfig(TRAINING, { 'training.PPO.critic_warmup_updates': -1 })).toThrow(
      /critic_warmup_updates/,
    );
  });
});
