/** Writes a minimal checkpoint in migflow's on-disk format (no hidden layers): logits = W·obs + b. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TimeFeatureConfig } from '../../../contracts/index.js';
import { CHECKPOINT_FORMAT } from '../../../core/rl/checkpoint-format.js';

export function writeLinearCheckpoint(o: {
  obsSize: number;
  actionCount: number;
  bias: readonly number[];
  name?: string;
  /** [obsSize × actionCount] row-major; default all zeros (the bias alone decides). */
  kernel?: Float32Array;
  /** The observation's time features it records; default none. */
  timeFeatures?: TimeFeatureConfig;
}): string {
  const dir = join(
    mkdtempSync(join(tmpdir(), 'migflow-ckpt-')),
    'run1',
    'checkpoints',
    o.name ?? 'rl_model_5120_steps',
  );
  mkdirSync(dir, { recursive: true });
  const kernel = o.kernel ?? new Float32Array(o.obsSize * o.actionCount);
  const values = new Float32Array([...kernel, ...o.bias]);
  const meta = {
    format: CHECKPOINT_FORMAT,
    steps: 5120,
    episodes: 5,
    updates: 2,
    obsSize: o.obsSize,
    actionCount: o.actionCount,
    netArch: { pi: [], vf: [] },
    activation: 'tanh',
    tensors: [
      { name: 'pi/logits/kernel', shape: [o.obsSize, o.actionCount], offset: 0 },
      { name: 'pi/logits/bias', shape: [o.actionCount], offset: kernel.length },
    ],
    adam: { iterations: 0, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
    rng: {},
    trainer: {},
    trainingConfigYaml: '',
    ...(o.timeFeatures ? { timeFeatures: o.timeFeatures } : {}),
    seed: 1,
    totalSteps: 5120,
    backend: 'test',
    savedAt: '2026-01-01T00:00:00.000Z',
  };
  writeFileSync(join(dir, 'checkpoint.json'), JSON.stringify(meta));
  writeFileSync(join(dir, 'tensors.bin'), Buffer.from(values.buffer));
  return dir;
}
