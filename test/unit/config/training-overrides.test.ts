import { describe, expect, it } from 'vitest';
import { applyTrainingOverrides } from '../../../core/config/training-document.js';
import { ConfigError } from '../../../core/errors.js';

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
    expect((err as ConfigError).message).toContain('n_steps, net_arch');
  });

  it('rejects a path through a value that is not a section', () => {
    expect(() => applyTrainingOverrides('t.yaml', base, { 'training.sb3_norm.x': 1 })).toThrow(
      /training\.sb3_norm" is not a section/,
    );
  });
});
