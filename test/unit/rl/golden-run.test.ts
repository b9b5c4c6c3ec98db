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
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { runTraining } from '../../../core/rl/train/run-training.js';
import { useTfBackend } from './tf-setup.js';

useTfBackend();

const tmp = mkdtempSync(join(tmpdir(), 'migflow-rl-golden-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const BASE = {
  'training.PPO.episode_length': 16,
  'training.PPO.n_steps': 32,
  'training.PPO.batch_size': 16,
  'training.PPO.n_epochs': 2,
};

/** Run outputs that must not change: checkpoints (minus save time), losses (minus timings), step logs. */
function digestRun(runDir: string): Record<string, string> {
  const sha = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex').slice(0, 16);
  const out: Record<string, string> = {};
  const ckDir = join(runDir, 'checkpoints');
  for (const name of readdirSync(ckDir).sort()) {
    if (name === 'best.json') continue;
    const meta = JSON.parse(readFileSync(join(ckDir, name, 'checkpoint.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    delete meta.savedAt;
    delete meta.backend;
    out[`${name}/checkpoint.json`] = sha(JSON.stringify(meta));
    out[`${name}/tensors.bin`] = sha(readFileSync(join(ckDir, name, 'tensors.bin')));
  }
  const updates = readFileSync(join(runDir, 'logs', 'updates.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => {
      const u = JSON.parse(l) as Record<string, unknown>;
      delete u.collectS;
      delete u.updateS;
      return u;
    });
  out['updates.jsonl'] = sha(JSON.stringify(updates));
  out['episodes.jsonl'] = sha(readFileSync(join(runDir, 'logs', 'episodes.jsonl')));
  const stepLogs = readdirSync(join(runDir, 'logs', 'train'))
    .sort()
    .map((f) => readFileSync(join(runDir, 'logs', 'train', f), 'utf8'))
    .join('');
  out['logs/train'] = sha(stepLogs);
  return out;
}

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

describe('one environment reproduces the pinned training run bit for bit', () => {
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

// Taken at 8b4e9c5 (before n_envs), wasm SIMD backend.
const GOLDEN_TINY: Record<string, string> = {
  'episodes.jsonl': 'ffcd7638c1e6f07f',
  'final/checkpoint.json': '9485237277782d0d',
  'final/tensors.bin': 'f5336525a3f9da78',
  'logs/train': '5f2831cc5eada7fd',
  'rl_model_40_steps/checkpoint.json': '58f26d006de6e32a',
  'rl_model_40_steps/tensors.bin': '7791f7931c1979b9',
  'rl_model_80_steps/checkpoint.json': 'eb5a7df0a2d3f828',
  'rl_model_80_steps/tensors.bin': '1c49addacc649092',
  'rl_model_96_steps/checkpoint.json': '9485237277782d0d',
  'rl_model_96_steps/tensors.bin': 'f5336525a3f9da78',
  'updates.jsonl': '731e355e8981bf6e',
};
const GOLDEN_DEFAULT_NET: Record<string, string> = {
  'episodes.jsonl': '139cdb6dcec155df',
  'final/checkpoint.json': 'c0bb86b49405285b',
  'final/tensors.bin': '2b9e4d3adec10f7f',
  'logs/train': 'fba3848af8f8fe47',
  'rl_model_40_steps/checkpoint.json': '172b038101fd3f8f',
  'rl_model_40_steps/tensors.bin': '408aaea7b75e3efd',
  'rl_model_64_steps/checkpoint.json': 'c0bb86b49405285b',
  'rl_model_64_steps/tensors.bin': '2b9e4d3adec10f7f',
  'updates.jsonl': '4cbf6c72528ded6c',
};
