/**
 * What warm-started PPO is measured and steered with: the rollout diagnostics (logs/rollouts.jsonl — choices the mask
 * leaves, the policy's confidence on them, raw advantages; read-only), the cloning's label smoothing
 * (training.PPO.clone_label_smoothing — the clone keeps exploring) and the teacher anchor
 * (training.PPO.teacher_anchor_steps — cloning steps after every PPO update). Both options are off by default and
 * refused, naming the file, field and fix, where they cannot work.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBenchSetup } from '../../../core/bench/index.js';
import { readTrainingConfig } from '../../../core/config/index.js';
import { ConfigError } from '../../../core/errors.js';
import { cloneLoss, WARM_START_CLONE_DEFAULTS } from '../../../core/rl/behaviour-cloning.js';
import { logProbOf, maskLogits } from '../../../core/rl/masked-categorical.js';
import type { RolloutRecord, UpdateRecord } from '../../../core/rl/trainer.js';
import { runTraining, trainerConfigFrom } from '../../../core/stages/train/train-run.js';
import { DEMONSTRATIONS_FILE, teacherDemonstrations } from '../../../core/stages/train/warm-start.js';
import { syntheticTokenTables } from '../../../core/workload/index.js';
import { inProcessTrainer } from './in-process-trainer.js';
import { useTfBackend } from './tf-setup.js';

useTfBackend();

const SEED = 3;
const TRAINING = 'configs/training_config.yaml';
const TINY = {
  'training.PPO.episode_length': 32,
  'training.PPO.n_steps': 32,
  'training.PPO.batch_size': 16,
  'training.PPO.n_epochs': 3,
  'training.PPO.net_arch.pi': [32],
  'training.PPO.net_arch.vf': [16],
};
const setup = loadBenchSetup({
  simulationConfig: 'configs/simulation_config.yaml',
  trainingConfig: TRAINING,
  benchConfig: 'configs/bench_config.yaml',
  syntheticTokens: true,
  steps: 64,
});
const tokens = syntheticTokenTables(SEED);

function trainingWith(overrides: Record<string, unknown>) {
  return readTrainingConfig(TRAINING, { ...TINY, ...overrides }).training;
}

function demonstrations(training: ReturnType<typeof trainingWith>, steps = 256) {
  return teacherDemonstrations({
    teacher: 'static_split_extreme',
    simulation: setup.simulation,
    training,
    bench: setup.bench,
    tokens,
    runSeed: SEED,
    steps,
  });
}

/** A trainer cloned from static_split_extreme, then trained `steps`; its update and rollout records and weights. */
async function warmRun(overrides: Record<string, unknown>, steps: number, diagnostics = true) {
  const training = trainingWith(overrides);
  const updates: UpdateRecord[] = [];
  const rollouts: RolloutRecord[] = [];
  const trainer = inProcessTrainer({
    simulation: setup.simulation,
    training,
    tokens,
    seed: SEED,
    steps,
    callbacks: {
      onUpdate: (u) => updates.push(u),
      ...(diagnostics ? { onRollout: (r: RolloutRecord) => rollouts.push(r) } : {}),
    },
  });
  try {
    const clone = trainer.warmStart(demonstrations(training), {
      ...WARM_START_CLONE_DEFAULTS,
      // 256 rows are one minibatch: enough passes for the clone to fit its teacher.
      epochs: 150,
      seed: SEED,
      ...(training.ppo.cloneLabelSmoothing > 0 ? { labelSmoothing: training.ppo.cloneLabelSmoothing } : {}),
    });
    await trainer.learn();
    return { clone, updates, rollouts, weights: new Map(trainer.exportState().tensors) };
  } finally {
    trainer.dispose();
    await trainer.close();
  }
}

describe('rollout diagnostics', () => {
  it('describe the rollout before its update and change nothing about the run', async () => {
    const seen = await warmRun({}, 64);
    const blind = await warmRun({}, 64, false);
    expect(seen.weights).toEqual(blind.weights);
    expect(seen.updates).toEqual(
      blind.updates.map((u, i) => ({
        ...u,
        collectS: seen.updates[i]!.collectS,
        updateS: seen.updates[i]!.updateS,
        updateCpuS: seen.updates[i]!.updateCpuS,
      })),
    );
    expect(seen.rollouts.map((r) => [r.update, r.steps, r.transitions])).toEqual([
      [1, 32, 32],
      [2, 64, 32],
    ]);
    for (const r of seen.rollouts) {
      expect(r.choiceShare).toBeGreaterThan(0);
      expect(r.choiceShare).toBeLessThanOrEqual(1);
      expect(r.meanValidActions).toBeGreaterThanOrEqual(1);
      expect(r.choiceMaxProb).toBeGreaterThan(0);
      expect(r.choiceMaxProb).toBeLessThanOrEqual(1);
      expect(r.choiceEntropy).toBeGreaterThanOrEqual(0);
      expect(r.valueLossBefore).toBeGreaterThan(0);
      expect(r.advantageStd).toBeGreaterThan(0);
    }
  }, 120_000);
});

describe('critic_warmup_updates, seen through the diagnostics', () => {
  it('the first update that moves the actor learns from a critic that already fits the clone’s returns', async () => {
    const cold = await warmRun({}, 96);
    const warm = await warmRun({ 'training.PPO.critic_warmup_updates': 2 }, 96);
    // The same clone and seed: the first rollout is the same transition for transition.
    expect(warm.rollouts[0]!.valueLossBefore).toBe(cold.rollouts[0]!.valueLossBefore);
    expect(warm.updates.map((u) => u.criticOnly)).toEqual([true, true, undefined]);
    // Cold, the actor's first update uses the untrained critic (rollout 1); warm, a critic fitted on two rollouts.
    expect(warm.rollouts[2]!.valueLossBefore).toBeLessThan(cold.rollouts[0]!.valueLossBefore / 2);
  }, 180_000);
});

describe('clone_label_smoothing', () => {
  it('at 0 is the plain cross-entropy, bit for bit', () => {
    tf.tidy(() => {
      const logits = tf.tensor2d([
        [0.3, -1.2, 2.0, 0.1],
        [1.5, 0.2, -0.7, 0.9],
      ]);
      const masks = tf.tensor2d(
        [
          [1, 1, 0, 1],
          [1, 0, 1, 1],
        ],
        [2, 4],
        'int32',
      );
      const actions = tf.tensor1d([0, 3], 'int32');
      const masked = maskLogits(logits, masks);
      const plain = tf.neg(tf.mean(logProbOf(masked, actions))).dataSync()[0];
      expect(cloneLoss(masked, masks, actions, 0).dataSync()[0]).toBe(plain);
      // Smoothed, the loss also counts the other allowed actions (never the masked one's −1e8 logit).
      const smoothed = cloneLoss(masked, masks, actions, 0.2).dataSync()[0]!;
      expect(Number.isFinite(smoothed)).toBe(true);
      expect(smoothed).toBeGreaterThan(plain!);
    });
  });

  it("keeps the teacher's decisions but leaves probability on the alternatives, and is recorded", async () => {
    const sharp = await warmRun({}, 32);
    const smooth = await warmRun({ 'training.PPO.clone_label_smoothing': 0.2 }, 32);
    expect(sharp.clone.labelSmoothing).toBe(0);
    expect(smooth.clone.labelSmoothing).toBe(0.2);
    expect(smooth.clone.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(smooth.clone.choiceMaxProb).toBeLessThan(sharp.clone.choiceMaxProb);
    // Measured on the demonstrations themselves (the rollouts' states differ once the two policies diverge).
    expect(smooth.clone.accuracy).toBe(sharp.clone.accuracy);
  }, 120_000);
});

describe('teacher_anchor_steps', () => {
  for (const nEnvs of [1, 2]) {
    it(`pulls the actor back to the teacher after every update (n_envs ${nEnvs})`, async () => {
      const set = { 'training.PPO.n_envs': nEnvs, 'training.PPO.teacher_anchor_steps': 2 };
      const anchored = await warmRun(set, 2 * 32 * nEnvs);
      expect(anchored.updates).toHaveLength(2);
      for (const u of anchored.updates) {
        expect(u.teacherAnchor!.lossAfter).toBeLessThan(u.teacherAnchor!.lossBefore);
      }
      const free = await warmRun({ 'training.PPO.n_envs': nEnvs }, 2 * 32 * nEnvs);
      expect(free.updates[0]).not.toHaveProperty('teacherAnchor');
      // The anchor's steps moved the actor (the critic is the same after the first update's identical rollout).
      const pi = (w: Map<string, Float32Array>) => [...w].filter(([n]) => n.startsWith('pi/'));
      expect(pi(anchored.weights)).not.toEqual(pi(free.weights));
    }, 180_000);
  }
});

describe('the options are off by default and refused where they cannot work', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('default: zero, and the trainer config carries no anchor', () => {
    const training = trainingWith({});
    expect(training.ppo.cloneLabelSmoothing).toBe(0);
    expect(training.ppo.teacherAnchorSteps).toBe(0);
    expect(trainerConfigFrom(training, 64, SEED)).not.toHaveProperty('teacherAnchorSteps');
  });

  it('out-of-range values name the field', () => {
    expect(() => trainingWith({ 'training.PPO.clone_label_smoothing': 0.9 })).toThrow(
      /clone_label_smoothing/,
    );
    expect(() => trainingWith({ 'training.PPO.clone_label_smoothing': -0.1 })).toThrow(
      /clone_label_smoothing/,
    );
    expect(() => trainingWith({ 'training.PPO.teacher_anchor_steps': -1 })).toThrow(/teacher_anchor_steps/);
    expect(() => trainingWith({ 'training.PPO.teacher_anchor_steps': 1.5 })).toThrow(/teacher_anchor_steps/);
  });

  for (const [field, value] of [
    ['training.PPO.teacher_anchor_steps', 4],
    ['training.PPO.clone_label_smoothing', 0.1],
  ] as const) {
    it(`${field} without a warm start is refused with the file, field and fix`, async () => {
      const runDir = mkdtempSync(join(tmpdir(), 'migflow-anchor-'));
      dirs.push(runDir);
      const err = await runTraining({
        trainingConfigPath: TRAINING,
        simulationConfigPath: 'configs/simulation_config.yaml',
        overrides: { ...TINY, [field]: value },
        runDir,
        totalSteps: 32,
        seed: SEED,
        stepLogs: false,
        syntheticTokens: true,
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      const message = (err as ConfigError).message;
      expect(message).toContain(TRAINING);
      expect(message).toContain(field);
      expect(message).toContain('--warm-start');
    }, 60_000);
  }
});

describe('teacher_anchor_steps across a resume', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const options = (runDir: string, totalSteps: number, anchor: number) => ({
    trainingConfigPath: TRAINING,
    simulationConfigPath: 'configs/simulation_config.yaml',
    overrides: { ...TINY, 'training.PPO.teacher_anchor_steps': anchor },
    runDir,
    totalSteps,
    seed: SEED,
    checkpointEverySteps: 32,
    stepLogs: false,
    syntheticTokens: true,
    warmStart: 'static_split_extreme' as const,
    warmStartSteps: 128,
  });
  const updates = (dir: string) =>
    readFileSync(join(dir, 'logs', 'updates.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as UpdateRecord);

  it("anchors to the run's own demonstrations after a resume", async () => {
    const runDir = mkdtempSync(join(tmpdir(), 'migflow-anchor-resume-'));
    dirs.push(runDir);
    await runTraining(options(runDir, 32, 2));
    expect(existsSync(join(runDir, DEMONSTRATIONS_FILE))).toBe(true);
    await runTraining({
      ...options(runDir, 96, 2),
      resumeFrom: join(runDir, 'checkpoints', 'rl_model_32_steps'),
    });
    const after = updates(runDir);
    expect(after.map((u) => u.update)).toEqual([1, 2, 3]);
    for (const u of after) expect(u.teacherAnchor!.lossAfter).toBeLessThan(u.teacherAnchor!.lossBefore);
  }, 180_000);

  it('is refused on a resume of a run that kept no demonstrations, naming the file, field and fix', async () => {
    const runDir = mkdtempSync(join(tmpdir(), 'migflow-anchor-none-'));
    dirs.push(runDir);
    await runTraining(options(runDir, 32, 0));
    expect(existsSync(join(runDir, DEMONSTRATIONS_FILE))).toBe(false);
    const err = await runTraining({
      ...options(runDir, 64, 2),
      resumeFrom: join(runDir, 'checkpoints', 'rl_model_32_steps'),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toContain('training.PPO.teacher_anchor_steps');
    expect((err as ConfigError).message).toContain('teacher_anchor_steps=0');
  }, 120_000);
});
