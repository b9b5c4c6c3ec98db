/**
 * Never a broken policy (issue 13 item 6): runs shorter than a rollout train on the partial rollout and end with
 * finite weights (before, a 10-step run wrote an all-NaN checkpoint: epochs were cut over the buffer's capacity,
 * so most minibatches were empty and XNNPACK refused their 0-row matMuls); a diverging run stops with an error
 * naming the update and the likely cause, and no checkpoint holds non-finite weights.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCheckpoint } from '../../../core/rl/checkpoint-format.js';
import { TrainingDivergedError } from '../../../core/rl/errors.js';
import { runTraining } from '../../../core/stages/train/train-run.js';
import { cpuBoundTimeout } from '../../helpers/cpu-bound.js';
import { useTfBackend } from './tf-setup.js';

/** 17.5 s (10 steps, the first: tfjs warm-up) and 10.4 s (100 steps) at load 9.5, above their quiet times. */
const TRAINING_TIMEOUT = cpuBoundTimeout(18);

useTfBackend();

const tmp = mkdtempSync(join(tmpdir(), 'migflow-rl-finite-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const common = {
  trainingConfigPath: 'configs/training_config.yaml',
  simulationConfigPath: 'configs/simulation_config.yaml',
  seed: 1,
  syntheticTokens: true,
  stepLogs: false,
};

function nonFinite(dir: string): number {
  let n = 0;
  for (const [name, values] of readCheckpoint(dir).tensors) {
    if (name.startsWith('buffer/')) continue;
    for (const v of values) if (!Number.isFinite(v)) n++;
  }
  return n;
}

describe('runs shorter than n_steps with the shipped config (n_steps 2048, batch 256, [512, 512])', () => {
  for (const steps of [10, 100]) {
    it(
      `${steps} steps: one update on the partial rollout, finite weights and Adam state`,
      async () => {
        const runDir = join(tmp, `short-${steps}`);
        const r = await runTraining({ ...common, runDir, totalSteps: steps });
        expect(r.steps).toBe(steps);
        const final = readCheckpoint(r.finalCheckpoint);
        expect(final.meta.updates).toBe(1);
        // One minibatch per epoch (fewer transitions than the batch size), ten epochs.
        expect(final.meta.adam.iterations).toBe(10);
        expect(nonFinite(r.finalCheckpoint)).toBe(0);
      },
      TRAINING_TIMEOUT,
    );
  }
});

describe('a diverging run', () => {
  it('stops with an error naming the update and the learning rate, and writes no checkpoint from the broken weights', async () => {
    const runDir = join(tmp, 'diverge');
    const err = await runTraining({
      ...common,
      runDir,
      totalSteps: 128,
      checkpointEverySteps: 32,
      overrides: {
        'training.PPO.episode_length': 16,
        'training.PPO.n_steps': 32,
        'training.PPO.batch_size': 16,
        'training.PPO.lr_max': 1e38,
        'training.PPO.lr_min': 1e38,
        'training.PPO.net_arch.pi': [16],
        'training.PPO.net_arch.vf': [16],
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrainingDivergedError);
    const e = err as TrainingDivergedError;
    expect(e.userFixable).toBe(true);
    expect(e.message).toMatch(/PPO update \d+/);
    expect(e.message).toMatch(/training\.PPO\.lr_max 1e\+38/);
    expect(e.message).toMatch(/no checkpoint was written/);
    expect(existsSync(join(runDir, 'checkpoints', 'final'))).toBe(false);
    for (const d of readdirSync(join(runDir, 'checkpoints')).filter((x) => x.startsWith('rl_model_')))
      expect(nonFinite(join(runDir, 'checkpoints', d)), d).toBe(0);
  });
});
