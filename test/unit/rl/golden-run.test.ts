/**
 * Pins one environment's training (`n_envs: 1`) bit for bit: two short runs — a tiny net and the default
 * [512, 512] one (whose matMuls take XNNPACK's real GEMM paths) — through `runTraining`, with a checkpoint
 * inside a rollout (partial buffer, mid-episode counters) and the final one. The digests cover every
 * checkpoint's tensors and counters, the per-update losses and the per-step logs (actions and raw rewards). They
 * were taken from the trainer as it was before vectorised environments and the faster update were added; any
 * change of float order, RNG use or reset timing in the one-environment path changes them.
 *
 * The digests hold for the tfjs wasm backend (SIMD), which is what the tests select on this machine and in CI.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { runTraining } from '../../../core/stages/train/train-run.js';
import { cpuBoundTimeout } from '../../helpers/cpu-bound.js';
import { digestRun } from './run-digest.js';
import { TINY_PPO_SCHEDULE } from './setup.js';
import { useTfBackend } from './tf-setup.js';

/** The [512, 512] run took 13.8 s at load 9.5 (above its quiet time); the default 60 s ran out at load > 15. */
const TRAINING_TIMEOUT = cpuBoundTimeout(14);

useTfBackend();

const tmp = mkdtempSync(join(tmpdir(), 'migflow-rl-golden-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const BASE = TINY_PPO_SCHEDULE;

async function run(name: string, overrides: Record<string, unknown>, totalSteps: number, seed: number) {
  const runDir = join(tmp, name);
  await runTraining({
    trainingConfigPath: 'configs/training_config.yaml',
    simulationConfigPath: 'configs/simulation_config.yaml',
    overrides,
    runDir,
    totalSteps,
    checkpointEverySteps: 40,
    seed,
    syntheticTokens: true,
  });
  return digestRun(runDir);
}

describe('one environment reproduces the pinned training run bit for bit', {
  timeout: TRAINING_TIMEOUT,
}, () => {
  it('runs on the wasm backend the digests were taken on', () => {
    expect(tf.getBackend()).toBe('wasm');
  });

  it('tiny net [16, 16] / [16]: 96 steps, 3 updates, checkpoints at 40, 80 and 96', async () => {
    const d = await run(
      'tiny',
      { ...BASE, 'training.PPO.net_arch.pi': [16, 16], 'training.PPO.net_arch.vf': [16] },
      96,
      3,
    );
    expect(d).toEqual(GOLDEN_TINY);
  });

  it('default net [512, 512]: 64 steps, 2 updates, checkpoints at 40 and 64', async () => {
    const d = await run('default-net', BASE, 64, 5);
    expect(d).toEqual(GOLDEN_DEFAULT_NET);
  });
});

// Taken at 8b4e9c5 (before n_envs) with this file's digest function, wasm SIMD backend.
const GOLDEN_TINY: Record<string, string> = {
  'episodes.jsonl': 'ffcd7638c1e6f07f',
  'final/checkpoint.json': 'b1b8a07ed25439ea',
  'final/tensors.bin': 'f5336525a3f9da78',
  'logs/train': '5f2831cc5eada7fd',
  'rl_model_40_steps/checkpoint.json': '7d3cc4b6987f2e73',
  'rl_model_40_steps/tensors.bin': '7791f7931c1979b9',
  'rl_model_80_steps/checkpoint.json': '39f74d88ff125953',
  'rl_model_80_steps/tensors.bin': '1c49addacc649092',
  'rl_model_96_steps/checkpoint.json': 'b1b8a07ed25439ea',
  'rl_model_96_steps/tensors.bin': 'f5336525a3f9da78',
  'updates.jsonl': '731e355e8981bf6e',
};
const GOLDEN_DEFAULT_NET: Record<string, string> = {
  'episodes.jsonl': '139cdb6dcec155df',
  'final/checkpoint.json': 'a44bef596b8d0b0d',
  'final/tensors.bin': '2b9e4d3adec10f7f',
  'logs/train': 'fba3848af8f8fe47',
  'rl_model_40_steps/checkpoint.json': '10439b5a784c09d3',
  'rl_model_40_steps/tensors.bin': '408aaea7b75e3efd',
  'rl_model_64_steps/checkpoint.json': 'a44bef596b8d0b0d',
  'rl_model_64_steps/tensors.bin': '2b9e4d3adec10f7f',
  'updates.jsonl': '4cbf6c72528ded6c',
};
