/**
 * DAgger for the warm start (`--warm-start-rounds`): in a round the clone drives the environment and the teacher only
 * labels the states it reaches; the trainer refits the actor on every round's rows together.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBenchSetup } from '../../../core/bench/index.js';
import { readTrainingConfig } from '../../../core/config/index.js';
import { WARM_START_CLONE_DEFAULTS } from '../../../core/rl/behaviour-cloning.js';
import { readCheckpoint } from '../../../core/rl/checkpoint-format.js';
import { trainStage } from '../../../core/stages/train/index.js';
import { runTraining } from '../../../core/stages/train/train-run.js';
import { daggerRefitEpochs, teacherDemonstrations } from '../../../core/stages/train/warm-start.js';
import { syntheticTokenTables } from '../../../core/workload/index.js';
import { inProcessTrainer } from './in-process-trainer.js';
import { SHIPPED_TRAIN_REQUEST } from './setup.js';
import { useTfBackend } from './tf-setup.js';

useTfBackend();

const SEED = 3;
const setup = loadBenchSetup({
  simulationConfig: 'configs/simulation_config.yaml',
  trainingConfig: 'configs/training_config.yaml',
  benchConfig: 'configs/bench_config.yaml',
  syntheticTokens: true,
  steps: 64,
});
const { training } = readTrainingConfig('configs/training_config.yaml', {
  'training.PPO.episode_length': 64,
  'training.PPO.net_arch.pi': [32],
  'training.PPO.net_arch.vf': [32],
});
const tokens = syntheticTokenTables(SEED);
const run = {
  teacher: 'static_split_extreme' as const,
  simulation: setup.simulation,
  training,
  bench: setup.bench,
  tokens,
  runSeed: SEED,
  steps: 256,
};
const acts = (actions: Int32Array) => actions.filter((a) => a !== 0).length;

describe('DAgger rounds of a warm start', () => {
  it('let the student drive while the teacher labels the states the student reaches', () => {
    // static_split_extreme's teacher reaches its layout in a few decisions, then never acts. A student that never
    // acts leaves every episode in its random layout, where the teacher keeps asking for the split.
    const own = teacherDemonstrations(run);
    const idle = teacherDemonstrations({ ...run, round: 1, student: () => 0 });
    expect(acts(idle.actions)).toBeGreaterThan(2 * acts(own.actions));
    // The labels are the teacher's: never acting is not what it says to do.
    expect(acts(idle.actions)).toBeGreaterThan(0);
    // Each round draws its own episodes.
    expect(teacherDemonstrations({ ...run, round: 2 }).observations).not.toEqual(own.observations);
  }, 120_000);

  it('refit on all rounds so far, and the clone decides with the statistics they built', () => {
    const trainer = inProcessTrainer({
      simulation: setup.simulation,
      training,
      tokens,
      seed: SEED,
      steps: 64,
    });
    try {
      const options = { ...WARM_START_CLONE_DEFAULTS, epochs: 4, seed: SEED };
      const first = trainer.warmStart(teacherDemonstrations(run), options);
      expect(first.samples).toBe(256);
      const driven = teacherDemonstrations({
        ...run,
        round: 1,
        student: (observation, mask) => trainer.decide(observation, mask),
      });
      // The agreement counted while the student drove is what a pass over its rows before the refit finds.
      const { observationLength, actionCount } = trainer.env;
      let agreed = 0;
      for (let k = 0; k < driven.count; k++) {
        const obs = driven.observations.subarray(k * observationLength, (k + 1) * observationLength);
        const mask = driven.masks.subarray(k * actionCount, (k + 1) * actionCount);
        if (trainer.decide(obs, mask) === driven.actions[k]) agreed++;
      }
      expect(driven.studentAgreed).toBe(agreed);
      expect(teacherDemonstrations(run).studentAgreed).toBeUndefined();
      const second = trainer.warmStart(driven, options);
      expect(second.samples).toBe(512);
      expect(trainer.normalizer!.state().obs.count).toBeGreaterThan(512);
      // decide() reads the statistics without adding to them.
      const before = JSON.stringify(trainer.normalizer!.state());
      trainer.decide(
        driven.observations.subarray(0, trainer.env.observationLength),
        driven.masks.subarray(0, trainer.env.actionCount),
      );
      expect(JSON.stringify(trainer.normalizer!.state())).toBe(before);
    } finally {
      trainer.dispose();
    }
  }, 120_000);
});

describe('daggerRefitEpochs', () => {
  it("spreads the first fit's sample passes over every row so far, at least one epoch", () => {
    expect(daggerRefitEpochs(20, 8192, 16384)).toBe(10);
    expect(daggerRefitEpochs(20, 8192, 24576)).toBe(7);
    expect(daggerRefitEpochs(20, 8192, 8192 * 5)).toBe(4);
    expect(daggerRefitEpochs(1, 10, 1000)).toBe(1);
  });
});

describe('training.PPO.clone_refit', () => {
  it('resolves to nothing when full (a run hashes as before the field), to scaled when set', () => {
    expect(training.ppo).not.toHaveProperty('cloneRefit');
    const scaled = readTrainingConfig('configs/training_config.yaml', {
      'training.PPO.clone_refit': 'scaled',
    });
    expect(scaled.training.ppo.cloneRefit).toBe('scaled');
    expect(() =>
      readTrainingConfig('configs/training_config.yaml', { 'training.PPO.clone_refit': 'half' }),
    ).toThrow(/clone_refit/);
  });
});

describe('DAgger rounds in a training run', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'migflow-rl-dagger-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('are recorded in run.json round by round and keep the refitted clone as step 0', async () => {
    const runDir = join(tmp, 'run');
    await runTraining({
      trainingConfigPath: 'configs/training_config.yaml',
      simulationConfigPath: 'configs/simulation_config.yaml',
      overrides: {
        'training.PPO.episode_length': 64,
        'training.PPO.n_steps': 64,
        'training.PPO.batch_size': 32,
        'training.PPO.net_arch.pi': [32],
        'training.PPO.net_arch.vf': [32],
        'training.PPO.clone_refit': 'scaled',
      },
      runDir,
      seed: SEED,
      syntheticTokens: true,
      stepLogs: false,
      totalSteps: 64,
      warmStart: 'static_split_extreme',
      warmStartSteps: 128,
      warmStartRounds: 2,
    });
    const meta = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as {
      warmStart: {
        samples: number;
        rounds: {
          samples: number;
          epochs: number;
          agreementWhileDriving: number;
          driveSeconds: number;
          fitSeconds: number;
        }[];
      };
    };
    expect(meta.warmStart.rounds.map((r) => r.samples)).toEqual([256, 384]);
    expect(meta.warmStart.samples).toBe(384);
    // clone_refit scaled: each refit makes about the first fit's 20 × 128 sample passes, 10 epochs over 256 rows,
    // then 7 over 384 (full: 20 and 20).
    expect(meta.warmStart.rounds.map((r) => r.epochs)).toEqual([10, 7]);
    expect(readCheckpoint(join(runDir, 'checkpoints', 'rl_model_0_steps')).meta).toMatchObject({ steps: 0 });
    for (const r of meta.warmStart.rounds) {
      expect(r.agreementWhileDriving).toBeGreaterThan(0);
      expect(r.agreementWhileDriving).toBeLessThanOrEqual(1);
      expect(r.driveSeconds).toBeGreaterThan(0);
      expect(r.fitSeconds).toBeGreaterThan(0);
    }
  }, 180_000);

  it('enter the cache key only when asked for', async () => {
    const base = { ...SHIPPED_TRAIN_REQUEST, warmStart: 'qas' as const };
    expect((await trainStage.request(base)).inputs).not.toHaveProperty('warmStartRounds');
    expect((await trainStage.request({ ...base, warmStartRounds: 0 })).inputs).not.toHaveProperty(
      'warmStartRounds',
    );
    expect((await trainStage.request({ ...base, warmStartRounds: 2 })).inputs).toMatchObject({
      warmStartRounds: 2,
    });
  });
});
