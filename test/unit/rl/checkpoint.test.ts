/**
 * Checkpoints: the saved state restores the same policy (identical action probabilities), the inference loader
 * reads the same weights with the frozen normaliser, an aborted run resumes with its step counter going on to
 * the configured total (its logs and TensorBoard events on one timeline), and training does not leak tensors.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { readTrainingConfig } from '../../../core/config/index.js';
import { loadSimulationConfig } from '../../../core/config/simulation.js';
import { MigEnv, seededEnvRng } from '../../../core/control/index.js';
import { writeCheckpoint } from '../../../core/rl/checkpoint.js';
import { readCheckpoint } from '../../../core/rl/checkpoint-format.js';
import { TrainingAbortedError } from '../../../core/rl/index.js';
import { loadPolicyForInference } from '../../../core/rl/inference.js';
import { SavableRng } from '../../../core/rl/rng.js';
import { PpoTrainer, type TrainEnv } from '../../../core/rl/trainer.js';
import { episodeSeed, runTraining, trainerConfigFrom } from '../../../core/stages/train/train-run.js';
import { syntheticTokenTables } from '../../../core/workload/token-tables.js';
import { TINY_PPO } from './setup.js';
import { readScalars } from './tensorboard-reader.js';
import { useTfBackend } from './tf-setup.js';

useTfBackend();

const tmp = mkdtempSync(join(tmpdir(), 'migflow-rl-ckpt-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const TINY = TINY_PPO;
const simulation = loadSimulationConfig('configs/simulation_config.yaml');
const { training, yaml } = readTrainingConfig('configs/training_config.yaml', TINY);

function makeTrainer(totalSteps: number, seed = 1): PpoTrainer {
  const rng = seededEnvRng(seed);
  const env = new MigEnv({ simulation, training, tokens: syntheticTokenTables(seed), rng });
  const trainEnv: TrainEnv = {
    observationLength: env.observationLength,
    actionCount: env.actionCount,
    reset: (i) => {
      rng.seed(episodeSeed(seed, i));
      return env.reset();
    },
    actionMasks: () => env.actionMasks(),
    step: (a) => env.step(a),
  };
  return new PpoTrainer(trainEnv, trainerConfigFrom(training, totalSteps, seed));
}

function probes(obsSize: number, actionCount: number) {
  const rng = new SavableRng(9);
  return Array.from({ length: 5 }, () => ({
    obs: Float32Array.from({ length: obsSize }, () => rng.gauss(0.3, 0.5)),
    mask: Uint8Array.from({ length: actionCount }, (_, a) => (a === 0 || rng.random() < 0.4 ? 1 : 0)),
  }));
}

describe('checkpoint round trip', () => {
  it('a restored trainer gives identical action probabilities; inference agrees to float precision', async () => {
    const a = makeTrainer(64);
    await a.learn();
    const dir = writeCheckpoint(join(tmp, 'rt', 'rl_model_64_steps'), a.exportState(), {
      trainingConfigYaml: yaml,
      backend: tf.getBackend(),
    });
    const loaded = readCheckpoint(dir);
    expect(loaded.meta.steps).toBe(64);
    const b = makeTrainer(64, 2);
    b.restoreState(loaded.meta, loaded.tensors);
    const inference = loadPolicyForInference(dir);
    const norm = a.normalizer!;
    for (const { obs, mask } of probes(a.env.observationLength, a.env.actionCount)) {
      const x = norm.normalizeObs(obs);
      const pa = a.policy.actionProbabilities(x, mask);
      expect([...b.policy.actionProbabilities(b.normalizer!.normalizeObs(obs), mask)]).toEqual([...pa]);
      const pi = inference.actionProbabilities(obs, mask);
      for (let k = 0; k < pa.length; k++) expect(pi[k]).toBeCloseTo(pa[k]!, 5);
      mask.forEach((m, k) => {
        if (m === 0) expect(pi[k]).toBe(0);
      });
      expect(mask[inference.actDeterministic(obs, mask)]).toBe(1);
    }
    expect(b.steps).toBe(64);
    expect(b.optimizer.iterations).toBe(a.optimizer.iterations);
    a.dispose();
    b.dispose();
  });

  it('keeps the number of live tensors flat across rollouts and updates', async () => {
    const t = makeTrainer(32 * 4);
    const counts: number[] = [];
    t.callbacks.onUpdate = () => counts.push(tf.memory().numTensors);
    await t.learn();
    expect(counts).toHaveLength(4);
    expect(new Set(counts).size).toBe(1);
    t.dispose();
  });
});

describe('resume', () => {
  it('an aborted run resumes from its checkpoint: the step counter continues and stops at the configured total', async () => {
    const runDir = join(tmp, 'run');
    const common = {
      trainingConfigPath: 'configs/training_config.yaml',
      simulationConfigPath: 'configs/simulation_config.yaml',
      overrides: TINY,
      runDir,
      totalSteps: 160,
      checkpointEverySteps: 48,
      seed: 4,
      syntheticTokens: true,
    };
    const controller = new AbortController();
    const err = await runTraining({
      ...common,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.steps >= 70) controller.abort();
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrainingAbortedError);
    const stopped = err as TrainingAbortedError;
    expect(stopped.checkpoint).toMatch(/rl_model_\d+_steps$/);
    const stoppedAt = Number(/rl_model_(\d+)_steps$/.exec(stopped.checkpoint!)![1]);
    expect(stoppedAt).toBeGreaterThanOrEqual(70);
    expect(stoppedAt).toBeLessThan(160);

    const seen: number[] = [];
    const result = await runTraining({
      ...common,
      resumeFrom: stopped.checkpoint!,
      onProgress: (p) => seen.push(p.steps),
    });
    expect(seen[0]).toBe(stoppedAt);
    expect(Math.min(...seen)).toBe(stoppedAt);
    expect(result.steps).toBe(160);
    expect(readCheckpoint(result.finalCheckpoint).meta.steps).toBe(160);
    const meta = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as {
      starts: { steps: number; resumedFrom: string | null }[];
    };
    expect(meta.starts.map((s) => s.steps)).toEqual([0, stoppedAt]);
    // The episode log is one timeline: env steps strictly increase, episode numbers run 1, 2, 3, …
    const episodes = readFileSync(join(runDir, 'logs', 'episodes.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { episode: number; steps: number });
    episodes.forEach((e, i) => {
      expect(e.episode).toBe(i + 1);
      if (i > 0) expect(e.steps).toBeGreaterThan(episodes[i - 1]!.steps);
    });
    expect(result.episodes).toBe(episodes.length);

    // TensorBoard: one event file, SB3's tags once per update on the same timeline as updates.jsonl.
    const updates = readFileSync(join(runDir, 'logs', 'updates.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { steps: number; valueLoss: number });
    expect(updates.map((u) => u.steps)).toEqual([32, 64, 96, 128, 160]);
    const files = readdirSync(join(runDir, 'tensorboard'));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^events\.out\.tfevents\.\d+\./);
    const scalars = readScalars(join(runDir, 'tensorboard', files[0]!));
    const of = (tag: string) => scalars.filter((s) => s.tag === tag);
    for (const tag of [
      'train/value_loss',
      'train/policy_gradient_loss',
      'train/approx_kl',
      'rollout/ep_rew_mean',
    ])
      expect(of(tag).map((s) => s.step)).toEqual(updates.map((u) => u.steps));
    expect(of('rollout/ep_len_mean').every((s) => s.value === 16)).toBe(true);
    // simple_value is a float32: the logged double, rounded.
    expect(of('train/value_loss').map((s) => s.value)).toEqual(updates.map((u) => Math.fround(u.valueLoss)));
  });
});
