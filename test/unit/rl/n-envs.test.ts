import { describe, expect, it } from 'vitest';
import { AUTO_N_ENVS_CAP, autoNEnvs, parseNEnvs } from '../../../core/rl/n-envs.js';

describe('--n-envs', () => {
  it('auto takes one environment per core, at most the cap, at least one', () => {
    expect(autoNEnvs(1)).toBe(1);
    expect(autoNEnvs(2)).toBe(2);
    expect(autoNEnvs(16)).toBe(AUTO_N_ENVS_CAP);
    expect(autoNEnvs(0)).toBe(1);
  });

  it('parses a whole number or auto, and nothing else', () => {
    expect(parseNEnvs('3')).toBe(3);
    expect(parseNEnvs('auto', 4)).toBe(4);
    expect(parseNEnvs('AUTO', 64)).toBe(8);
    for (const bad of ['0', '-2', '1.5', 'two', '']) expect(parseNEnvs(bad)).toBeUndefined();
  });
});
