import { describe, expect, it } from 'vitest';
import {
  AUTO_N_ENVS_CAP,
  autoNEnvs,
  parseNEnvs,
  parseWorkerNEnvs,
  runNEnvs,
} from '../../../core/rl/n-envs.js';

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

describe("a GPU worker's default n_envs", () => {
  const none = { requested: undefined, overrides: {} } as const;

  it('gives a run that names no n_envs one environment per core of the worker, at most the cap', () => {
    expect(runNEnvs({ ...none, workerDefault: 'auto', cores: 2 })).toBe(2);
    expect(runNEnvs({ ...none, workerDefault: 'auto', cores: 16 })).toBe(AUTO_N_ENVS_CAP);
    expect(runNEnvs({ ...none, workerDefault: 'auto', cores: 1 })).toBe(1);
    expect(runNEnvs({ ...none, workerDefault: 'auto' })).toBe(autoNEnvs());
  });

  it("takes a worker's fixed number, or leaves the training config's value with `config`", () => {
    expect(runNEnvs({ ...none, workerDefault: 3, cores: 16 })).toBe(3);
    expect(runNEnvs({ ...none, workerDefault: 'config', cores: 16 })).toBeUndefined();
  });

  it("never overrides the run's own choice: its nEnvs input, then its training.PPO.n_envs override", () => {
    expect(runNEnvs({ requested: 1, overrides: {}, workerDefault: 'auto', cores: 16 })).toBe(1);
    expect(runNEnvs({ requested: 'auto', overrides: {}, workerDefault: 'config', cores: 4 })).toBe(4);
    expect(
      runNEnvs({ requested: 5, overrides: { 'training.PPO.n_envs': 2 }, workerDefault: 'auto', cores: 16 }),
    ).toBe(5);
    expect(
      runNEnvs({
        requested: undefined,
        overrides: { 'training.PPO.n_envs': 1 },
        workerDefault: 'auto',
        cores: 16,
      }),
    ).toBeUndefined();
  });

  it("parses a worker's --n-envs: a whole number, auto or config", () => {
    expect(parseWorkerNEnvs('4')).toBe(4);
    expect(parseWorkerNEnvs('Auto')).toBe('auto');
    expect(parseWorkerNEnvs('config')).toBe('config');
    for (const bad of ['0', '1.5', 'cores', '']) expect(parseWorkerNEnvs(bad)).toBeUndefined();
  });
});
