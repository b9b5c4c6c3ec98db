import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadSimulationConfig } from '../../../core/config/simulation.js';
import {
  checkTrainingCoversSimulation,
  loadTrainingConfig,
  parseTrainingConfig,
} from '../../../core/config/training.js';
import { configErrorOf as catchError } from '../../helpers/config-error.js';

const FILE = 'configs/training_config.yaml';
const text = readFileSync(FILE, 'utf8');
describe('training config', () => {
  it('loads the shipped file with the reference values', () => {
    const t = loadTrainingConfig(FILE);
    expect(t.actionIntervalS).toBe(120);
    expect(t.ppo).toMatchObject({
      episodeLength: 1024,
      nSteps: 2048,
      lrMax: 5e-5,
      gamma: 0.995,
      gaeLambda: 0.9,
    });
    expect(t.actionCooldownSteps).toBe(10);
    expect(t.budgetS).toBe(300);
    expect(t.refreshPeriodS).toBe(1800);
    expect(t.patterns.burst).toEqual({
      durationS: { low: 300, high: 700 },
      rateReqS: {
        CodingAgent: { low: 4, high: 5 },
        RAGAgent: { low: 6, high: 8 },
        ChatAgent: { low: 6, high: 8 },
      },
    });
    expect(t.reward).toMatchObject({
      wTtft: 0.8,
      wTpot: 0.2,
      actionPenalty: 12,
      scaling: 0.1,
      clipping: -50,
      useQualityBonus: true,
      useAffinityBonus: true,
      affinityBonusWeight: 0.2,
    });
    expect(t.reward.q.ChatAgent?.['7g.180gb']).toBe(18);
    expect(t.normalization.totalVramRatio).toBe(40);
  });

  it('fills documented defaults when only the Q table is given', () => {
    const t = parseTrainingConfig(
      't.yaml',
      'training:\n  reward:\n    Q: { CodingAgent: { 7g.40gb: 10 } }\n',
    );
    expect(t.sb3Norm).toBe(false);
    expect(t.reward.useQualityBonus).toBe(false);
    expect(t.reward.affinityBonusWeight).toBe(1);
    expect(t.ppo.netArch).toEqual({ pi: [512, 512], vf: [512, 512] });
    expect(t.patterns.idle.durationS).toEqual({ low: 3600, high: 4800 });
  });

  it('names the field and line of a wrong type', () => {
    const bad = text.replace('    action_cooldown: 10', '    action_cooldown: ten');
    const line = bad.split('\n').findIndex((l) => l.includes('action_cooldown: ten')) + 1;
    const e = catchError(() => parseTrainingConfig('t.yaml', bad));
    expect(e.field).toBe(`training.action_mask.action_cooldown (line ${line})`);
    expect(e.fix).toMatch(/number/);
  });

  it('rejects an inverted pattern range', () => {
    const bad = text.replace('duration: [300.0, 700.0]', 'duration: [700.0, 300.0]');
    expect(catchError(() => parseTrainingConfig('t.yaml', bad)).field).toMatch(
      /^training\.patterns\.burst\.duration/,
    );
  });

  it('checks that Q, alpha and pattern rates cover every agent and instance of the simulation', () => {
    const sim3 = loadSimulationConfig('configs/examples/b200-three-agents/simulation_config.yaml');
    checkTrainingCoversSimulation(loadTrainingConfig(FILE), sim3);
    const noQ = text.replace('        1g.23gb: 1.0\n', '');
    const e = catchError(() => checkTrainingCoversSimulation(parseTrainingConfig('t.yaml', noQ), sim3, noQ));
    expect(e.problem).toMatch(/no Q value for 1g\.23gb \(B200\)/);
    expect(e.field).toMatch(/^training\.reward\.Q\.CodingAgent \(line \d+\)$/);
    const noChatRate = text.replace('        ChatAgent: [0.1, 0.5]\n', '');
    expect(
      catchError(() => checkTrainingCoversSimulation(parseTrainingConfig('t.yaml', noChatRate), sim3))
        .problem,
    ).toMatch(/ChatAgent in the idle pattern/);
  });

  it('defaults to one environment and reads n_envs', () => {
    expect(loadTrainingConfig(FILE).ppo.nEnvs).toBe(1);
    expect(parseTrainingConfig('t.yaml', text.replace('    n_envs: 1\n', '    n_envs: 4\n')).ppo.nEnvs).toBe(
      4,
    );
  });

  describe('refuses PPO values that cannot train, naming the field and the fix', () => {
    const cases: [string, string, string, RegExp, RegExp][] = [
      ['a discount above 1', '    gamma: 0.995', '    gamma: 5', /^training\.PPO\.gamma/, /<= 1/],
      ['a zero discount', '    gamma: 0.995', '    gamma: 0', /^training\.PPO\.gamma/, /> 0/],
      ['a GAE λ above 1', '    gae_lambda: 0.9', '    gae_lambda: 1.5', /^training\.PPO\.gae_lambda/, /<= 1/],
      ['a negative learning rate', '    lr_max: 5e-5', '    lr_max: -1e-4', /^training\.PPO\.lr_max/, /> 0/],
      [
        'an increasing learning rate',
        '    lr_min: 5e-5',
        '    lr_min: 5e-4',
        /^training\.PPO\.lr_min/,
        /swap/,
      ],
      ['zero environments', '    n_envs: 1', '    n_envs: 0', /^training\.PPO\.n_envs/, /> 0|>= 1/],
      [
        'a negative entropy coefficient',
        '    ent_coef: 0.005',
        '    ent_coef: -0.1',
        /^training\.PPO\.ent_coef/,
        />= 0/,
      ],
      [
        'a batch larger than the rollout',
        '    batch_size: 256',
        '    batch_size: 4096',
        /^training\.PPO\.batch_size/,
        /at most 2048/,
      ],
      [
        'a last minibatch of one transition',
        '    batch_size: 256',
        '    batch_size: 2047',
        /^training\.PPO\.batch_size/,
        /remainder is not 1/,
      ],
    ];
    for (const [what, from, to, field, fix] of cases) {
      it(what, () => {
        expect(text).toContain(from);
        const e = catchError(() => parseTrainingConfig('t.yaml', text.replace(from, to)));
        expect(e.file).toBe('t.yaml');
        expect(e.field).toMatch(field);
        expect(e.fix).toMatch(fix);
      });
    }

    it('counts every environment in the rollout: batch 4096 fits n_steps 2048 × n_envs 2', () => {
      const ok = text
        .replace('    batch_size: 256', '    batch_size: 4096')
        .replace('    n_envs: 1', '    n_envs: 2');
      expect(parseTrainingConfig('t.yaml', ok).ppo.batchSize).toBe(4096);
    });
  });
});
