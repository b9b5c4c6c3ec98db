/**
 * A training run with the observation time features (training.time_features): its warm start clones on the extended
 * observation, every checkpoint (the clone's included) records the setting, the setting changes the train stage's
 * cache key and run.json's settings hash, and the bench of its checkpoint builds the extended observation under the
 * shipped training config (which has them off).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBenchSetup, runBench } from '../../../core/bench/index.js';
import { readTrainingConfig } from '../../../core/config/index.js';
import { rlCheckpointPolicy } from '../../../core/control/index.js';
import { readCheckpoint } from '../../../core/rl/checkpoint-format.js';
import { loadPolicyForInference } from '../../../core/rl/inference.js';
import { trainStage } from '../../../core/stages/train/index.js';
import { runSettings } from '../../../core/stages/train/run-settings.js';
import { runTraining } from '../../../core/stages/train/train-run.js';
import { SHIPPED_TRAIN_REQUEST, TINY_PPO } from './setup.js';
import { useTfBackend } from './tf-setup.js';

useTfBackend();

const tmp = mkdtempSync(join(tmpdir(), 'migflow-rl-clocks-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const SIM = 'configs/simulation_config.yaml';
const TRAINING = 'configs/training_config.yaml';
const ON = { 'training.time_features.enabled': true };
const CLOCKS = { idleRateReqS: 0.7, scaleS: 3600, cap: 2 };

describe('training with the observation time features', () => {
  it('clones and trains on 175 floats, records the setting in every checkpoint, and its bench uses it', async () => {
    const run = await runTraining({
      trainingConfigPath: TRAINING,
      simulationConfigPath: SIM,
      overrides: { ...TINY_PPO, ...ON },
      seed: 2,
      syntheticTokens: true,
      stepLogs: false,
      totalSteps: 64,
      runDir: join(tmp, 'run'),
      warmStart: 'static_split_extreme',
      warmStartSteps: 64,
    });
    const clone = join(tmp, 'run', 'checkpoints', 'rl_model_0_steps');
    for (const dir of [clone, run.finalCheckpoint]) {
      const { meta } = readCheckpoint(dir);
      expect(meta.obsSize).toBe(175);
      expect(meta.timeFeatures).toEqual(CLOCKS);
      expect(loadPolicyForInference(dir).timeFeatures).toEqual(CLOCKS);
    }
    // The run's settings hash the resolved config: the clocks are in it.
    const settings = JSON.parse(readFileSync(join(tmp, 'run', 'run.json'), 'utf8')) as {
      settings: { trainingConfigSha256: string };
    };
    const input = {
      simulationConfigPath: SIM,
      task: undefined,
      syntheticTokens: true,
      warmStart: { teacher: 'static_split_extreme' as const, steps: 64, rounds: 0 },
      benchConfigPath: 'configs/bench_config.yaml',
    };
    const on = await runSettings({
      ...input,
      training: readTrainingConfig(TRAINING, { ...TINY_PPO, ...ON }).training,
    });
    const off = await runSettings({ ...input, training: readTrainingConfig(TRAINING, TINY_PPO).training });
    expect(settings.settings.trainingConfigSha256).toBe(on.trainingConfigSha256);
    expect(on.trainingConfigSha256).not.toBe(off.trainingConfigSha256);

    // Benched under the shipped training config (clocks off): the checkpoint's own observation is built.
    const setup = loadBenchSetup({
      simulationConfig: SIM,
      trainingConfig: TRAINING,
      benchConfig: 'configs/bench_config.yaml',
      syntheticTokens: true,
      steps: 16,
    });
    expect(setup.training.timeFeatures).toBeUndefined();
    const [trial] = runBench(setup, [rlCheckpointPolicy(run.finalCheckpoint)]).trials;
    expect(trial!.steps).toBe(16);
  }, 180_000);

  it('changes the train stage cache key', async () => {
    const off = await trainStage.request(SHIPPED_TRAIN_REQUEST);
    const on = await trainStage.request({ ...SHIPPED_TRAIN_REQUEST, overrides: ON });
    expect(on.inputs).toMatchObject({ overrides: ON });
    expect(JSON.stringify(on.inputs)).not.toBe(JSON.stringify(off.inputs));
  });
});
