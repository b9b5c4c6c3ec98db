/**
 * trainPolicy under MockActivityEnvironment: cancellation stops the real trainer child process (which writes a
 * checkpoint first), and a retry carrying that heartbeat resumes from it in the same run; a bad override fails
 * as a non-retryable ConfigError.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createTrainActivities } from '../../../activities/train.js';
import type { TrainHeartbeat, TrainPolicyArgs, TrainPolicyResult } from '../../../contracts/index.js';
import { StageCache } from '../../../core/cache/index.js';
import { PROJECT_ROOT } from '../../../core/paths.js';
import { TINY_TRAINING } from '../../helpers/train.js';

const tmp = mkdtempSync(join(tmpdir(), 'migflow-train-activity-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const activities = createTrainActivities({
  projectRoot: PROJECT_ROOT,
  cache: new StageCache({ root: tmp, migflowVersion: 'test' }),
  childEnv: { CUDA_VISIBLE_DEVICES: '', NVIDIA_VISIBLE_DEVICES: '' },
});

const args: TrainPolicyArgs = {
  trainingConfig: 'configs/training_config.yaml',
  simulationConfig: 'configs/simulation_config.yaml',
  overrides: { ...TINY_TRAINING },
  totalSteps: 1024,
  checkpointEverySteps: 128,
  seed: 11,
  syntheticTokens: true,
};

describe('trainPolicy', () => {
  it('stops the trainer on cancellation after it checkpoints, and a retry with that heartbeat resumes from it', async () => {
    const beats: TrainHeartbeat[] = [];
    const first = new MockActivityEnvironment({ attempt: 1 });
    first.on('heartbeat', (d: TrainHeartbeat) => beats.push(d));
    const running = first.run(activities.trainPolicy, args);
    // Cancel once training has made real progress.
    while (!beats.some((b) => b.steps >= 128)) await new Promise((r) => setTimeout(r, 100));
    first.cancel();
    const err = await running.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CancelledFailure);
    const last = beats.at(-1)!;
    // The trainer wrote a checkpoint of where it stopped, and the last heartbeat names it.
    expect(last.lastCheckpoint).toMatch(/rl_model_\d+_steps$/);
    expect(existsSync(last.lastCheckpoint!)).toBe(true);
    const stoppedAt = Number(/rl_model_(\d+)_steps$/.exec(last.lastCheckpoint!)![1]);
    expect(stoppedAt).toBeGreaterThanOrEqual(128);

    expect(stoppedAt).toBeLessThan(args.totalSteps!);
    // The same activity (the mock's ids) on its next attempt: the run goes on from the checkpoint to the total.
    const retry = new MockActivityEnvironment({ attempt: 2, heartbeatDetails: last });
    const result: TrainPolicyResult = await retry.run(activities.trainPolicy, args);
    expect(result.resumedFromSteps).toBe(stoppedAt);
    expect(result.steps).toBe(args.totalSteps);
    expect(result.attempt).toBe(2);
    expect(existsSync(result.finalCheckpoint)).toBe(true);
  }, 180_000);

  it('fails non-retryably with a ConfigError naming the override when it names no field', async () => {
    const env = new MockActivityEnvironment();
    const err = await env
      .run(activities.trainPolicy, { ...args, overrides: { 'training.PPO.batch_sise': 8 } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).type).toBe('ConfigError');
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
    expect((err as ApplicationFailure).message).toContain('batch_sise');
  }, 60_000);
});
