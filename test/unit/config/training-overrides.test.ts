/** `--set training.X=…` overrides: checked against the training schema, applied to the YAML before validation. */
import { describe, expect, it } from 'vitest';
import { applyTrainingOverrides, readTrainingConfig } from '../../../core/config/training-document.js';
import { ConfigError } from '../../../core/errors.js';

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('no ConfigError');
}

const base = { training: { PPO: { n_steps: 2048, net_arch: { pi: [512, 512] } }, sb3_norm: true } };

describe('applyTrainingOverrides', () => {
  it('sets dotted paths on a copy, leaving the base untouched', () => {
    const out = applyTrainingOverrides('t.yaml', base, {
      'training.PPO.n_steps': 64,
      'training.PPO.net_arch.pi': [16],
      'training.sb3_norm': false,
    });
    expect(out).toEqual({ training: { PPO: { n_steps: 64, net_arch: { pi: [16] } }, sb3_norm: false } });
    expect(base.training.PPO.n_steps).toBe(2048);
    expect(base.training.PPO.net_arch.pi).toEqual([512, 512]);
  });

  it('rejects a misspelt field with a ConfigError naming the path and the fields that exist there', () => {
    let err: unknown;
    try {
      applyTrainingOverrides('t.yaml', base, { 'training.PPO.n_stepz': 64 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).field).toBe('training.PPO.n_stepz');
    // The fields the schema has there, whether or not this YAML writes them.
    expect((err as ConfigError).message).toContain('they are: episode_length, n_steps, n_envs,');
    expect((err as ConfigError).message).toContain(
      'target_kl, critic_warmup_updates, clone_label_smoothing, clone_refit, teacher_anchor_steps, net_arch',
    );
  });

  it('sets a schema field the YAML leaves to its default, creating its section when that is absent too', () => {
    const out = applyTrainingOverrides('t.yaml', base, {
      'training.PPO.target_kl': 0.02,
      'training.PPO.critic_warmup_updates': 3,
      'training.action_mask.action_cooldown': 4,
    });
    expect(out).toEqual({
      training: {
        PPO: { n_steps: 2048, net_arch: { pi: [512, 512] }, target_kl: 0.02, critic_warmup_updates: 3 },
        sb3_norm: true,
        action_mask: { action_cooldown: 4 },
      },
    });
  });

  it('accepts a key of a map keyed by name only where the YAML has it (a misspelt agent would be read by nothing)', () => {
    const withAlpha = { training: { reward: { alpha: { CodingAgent: 1, RAGAgent: 1 } } } };
    expect(applyTrainingOverrides('t.yaml', withAlpha, { 'training.reward.alpha.RAGAgent': 2 })).toEqual({
      training: { reward: { alpha: { CodingAgent: 1, RAGAgent: 2 } } },
    });
    const e = configError(() =>
      applyTrainingOverrides('t.yaml', withAlpha, { 'training.reward.alpha.CodingAgnet': 2 }),
    );
    expect(e.field).toBe('training.reward.alpha.CodingAgnet');
    expect(e.problem).toContain('"CodingAgnet" is not a key of training.reward.alpha, a map keyed by name');
    expect(e.fix).toContain(
      "the YAML's keys of training.reward.alpha: CodingAgent, RAGAgent (give the whole map training.reward.alpha to add one)",
    );
    // The whole map is a field of the schema.
    expect(
      applyTrainingOverrides('t.yaml', withAlpha, { 'training.reward.alpha': { ChatAgent: 1 } }),
    ).toEqual({ training: { reward: { alpha: { ChatAgent: 1 } } } });
  });

  it('refuses a path outside the training section', () => {
    const e = configError(() => applyTrainingOverrides('t.yaml', base, { 'trainig.PPO.n_steps': 1 }));
    expect(e.problem).toContain('"trainig" is not a field of the training config at the top level');
    expect(e.fix).toContain('at the top level they are: training');
  });
});

describe('readTrainingConfig with overrides (the shipped YAML)', () => {
  const shipped = 'configs/training_config.yaml';

  it('sets target_kl, which the shipped YAML does not write, and validates it like a hand edit', () => {
    expect(readTrainingConfig(shipped).training.ppo.targetKl).toBeUndefined();
    const r = readTrainingConfig(shipped, { 'training.PPO.target_kl': 0.03 });
    expect(r.training.ppo.targetKl).toBe(0.03);
    expect(r.yaml).toContain('target_kl: 0.03');
    const e = configError(() => readTrainingConfig(shipped, { 'training.PPO.target_kl': -1 }));
    expect(e.file).toBe(`${shipped} (with overrides)`);
    expect(e.field).toContain('training.PPO.target_kl');
  });

  it('refuses a typo naming the file, the field and the fields that exist', () => {
    const e = configError(() => readTrainingConfig(shipped, { 'training.PPO.target_kll': 0.03 }));
    expect(e.file).toBe(shipped);
    expect(e.field).toBe('training.PPO.target_kll');
    expect(e.problem).toBe(
      'override path "training.PPO.target_kll": "target_kll" is not a field of the training config under training.PPO',
    );
    expect(e.fix).toMatch(
      /^override only fields the training config has; under training\.PPO they are: .*target_kl/,
    );
  });

  it('rejects a path through a value that is not a section', () => {
    expect(() => applyTrainingOverrides('t.yaml', base, { 'training.sb3_norm.x': 1 })).toThrow(
      /training\.sb3_norm" is not a section/,
    );
  });
});
