import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../core/errors.js';
import { selectTfBackend } from '../../../core/rl/backend.js';
import { linearSchedule, progressRemaining, steppedEntropySchedule } from '../../../core/rl/schedule.js';

describe('schedules', () => {
  it('the learning rate goes linearly from lr_max to lr_min over the run', () => {
    const lr = linearSchedule(1e-3, 1e-4);
    expect(lr(progressRemaining(0, 100))).toBeCloseTo(1e-3, 12);
    expect(lr(progressRemaining(50, 100))).toBeCloseTo(5.5e-4, 12);
    expect(lr(progressRemaining(100, 100))).toBeCloseTo(1e-4, 12);
    expect(progressRemaining(150, 100)).toBe(0);
  });

  it("the entropy schedule steps max → midpoint at 20 % → min at 60 % (the reference's callback)", () => {
    const ent = steppedEntropySchedule(0.05, 0.005);
    expect(ent(progressRemaining(10, 100))).toBe(0.05);
    expect(ent(progressRemaining(20, 100))).toBeCloseTo(0.0275, 12);
    expect(ent(progressRemaining(59, 100))).toBeCloseTo(0.0275, 12);
    expect(ent(progressRemaining(60, 100))).toBe(0.005);
    expect(ent(progressRemaining(99, 100))).toBe(0.005);
  });
});

describe('tfjs backend selection', () => {
  it('an unknown MIGFLOW_TF_BACKEND is a ConfigError that lists the choices; a valid one is used', async () => {
    const err = await selectTfBackend('tpu').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).field).toBe('MIGFLOW_TF_BACKEND');
    expect((err as ConfigError).message).toContain('node-gpu, node, wasm, cpu');
    const info = await selectTfBackend('cpu');
    expect(info).toMatchObject({ choice: 'cpu', backend: 'cpu', gpu: false });
    expect(tf.getBackend()).toBe('cpu');
  });
});
