import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readTrainingConfig } from '../../../core/config/index.js';
import { ConfigError } from '../../../core/errors.js';
import { trainerConfigFrom } from '../../../core/stages/train/train-run.js';

const FILE = 'configs/training_config.yaml';

describe('training overrides', () => {
  it('grid values take effect in the resolved config, the trainer settings and the snapshot YAML', () => {
    const { training, yaml } = readTrainingConfig(FILE, {
      'training.reward.affinity_bonus_weight': 0.1,
      'training.PPO.n_steps': 512,
      'training.PPO.net_arch.pi': [64],
      'training.PPO.ent_coef_schd': true,
    });
    expect(training.reward.affinityBonusWeight).toBe(0.1);
    const t = trainerConfigFrom(training, 1000, 0);
    expect(t.nSteps).toBe(512);
    expect(t.netArch.pi).toEqual([64]);
    expect(t.netArch.vf).toEqual([512, 512]);
    // The schedule is on: the coefficient starts at max_ent_coef.
    expect(t.entCoef(1)).toBe(0.05);
    const snap = parse(yaml) as {
      training: { reward: { affinity_bonus_weight: number }; PPO: { n_steps: number } };
    };
    expect(snap.training.reward.affinity_bonus_weight).toBe(0.1);
    expect(snap.training.PPO.n_steps).toBe(512);
  });

  it('without overrides the shipped file is used as it is, with the reference defaults', () => {
    const { training } = readTrainingConfig(FILE);
    const t = trainerConfigFrom(training, training.totalTimesteps, 0);
    expect(t).toMatchObject({ nSteps: 2048, gamma: 0.995, gaeLambda: 0.9, totalSteps: 1_024_000 });
    expect(t.ppo).toMatchObject({
      batchSize: 256,
      nEpochs: 10,
      clipRange: 0.2,
      clipRangeVf: 0.2,
      vfCoef: 0.5,
      maxGradNorm: 0.5,
    });
    expect(t.learningRate(1)).toBe(5e-5);
    expect(t.entCoef(0.5)).toBe(0.005);
    expect(t.normalizer).toMatchObject({ normObs: true, normReward: true, clipObs: 10, gamma: 0.99 });
  });

  it('an unknown path or an invalid value is a ConfigError naming the field', () => {
    expect(() => readTrainingConfig(FILE, { 'training.PPO.n_stepz': 5 })).toThrow(ConfigError);
    expect(() => readTrainingConfig(FILE, { 'training.PPO.n_stepz': 5 })).toThrow(/n_stepz/);
    expect(() => readTrainingConfig(FILE, { 'training.PPO.batch_size': -3 })).toThrow(/batch_size/);
  });
});
