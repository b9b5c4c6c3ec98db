/**
 * Warm start (issue 13 item 4): a policy cloned from a baseline, before any PPO update, takes its teacher's decision
 * on at least 90 % of the default bench trace's decisions (the teacher drives the trial; the clone is asked at every
 * decision, on the observation normalised with the statistics it was cloned with). Also: the cloning is recorded in
 * run.json, changes the cache key, leaves a run without it bit-identical, and a resumed run does not clone again.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBenchSetup, prepareBench, runTrial } from '../../../core/bench/index.js';
import { readTrainingConfig } from '../../../core/config/index.js';
import { BASELINE_POLICIES, layoutReachingPolicy, type Policy } from '../../../core/control/index.js';
import { WARM_START_CLONE_DEFAULTS } from '../../../core/rl/behaviour-cloning.js';
import { readCheckpoint } from '../../../core/rl/checkpoint-format.js';
import { trainStage } from '../../../core/stages/train/index.js';
import { runTraining } from '../../../core/stages/train/train-run.js';
import { DEFAULT_WARM_START_STEPS, teacherDemonstrations } from '../../../core/stages/train/warm-start.js';
import { syntheticTokenTables } from '../../../core/workload/index.js';
import { cpuBoundTimeout } from '../../helpers/cpu-bound.js';
import { inProcessTrainer } from './in-process-trainer.js';
import { useTfBackend } from './tf-setup.js';

/**
 * A teacher's 8192 decisions and the clone's fit: 117 s (heuristic) and 154 s (QAS) at load 10, about 35 and 46 s of
 * the file's 98 CPU-seconds; the fixed 300 s ran out at load > 15 (the heuristic's took 372 s at load 20, a little
 * over 10x its CPU time: the two tfjs threads also contend for memory bandwidth), hence 60 s × 10.
 */
const TEACHER_TIMEOUT = cpuBoundTimeout(60);

useTfBackend();

const tmp = mkdtempSync(join(tmpdir(), 'migflow-rl-warm-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const SIM = 'configs/simulation_config.yaml';
const TRAINING = 'configs/training_config.yaml';
const BENCH = 'configs/bench_config.yaml';
/** The main job's training overrides (configs/pipeline.json): short episodes, a small net. */
const PIPELINE = {
  'training.PPO.episode_length': 128,
  'training.PPO.n_steps': 256,
  'training.PPO.batch_size': 64,
  'training.PPO.n_epochs': 4,
  'training.PPO.net_arch.pi': [64, 64],
  'training.PPO.net_arch.vf': [64, 64],
};
const SEED = 3;
/** The default bench setup (bench_config.yaml's seed, synthetic tokens), of its own length or `steps` decisions. */
const defaultBench = (steps?: number) =>
  loadBenchSetup({
    simulationConfig: SIM,
    trainingConfig: TRAINING,
    benchConfig: BENCH,
    syntheticTokens: true,
    ...(steps !== undefined ? { steps } : {}),
  });

describe('a warm-started policy before any PPO update', { timeout: TEACHER_TIMEOUT }, () => {
  // The default bench trace (bench_config.yaml's seed and length, synthetic tokens), shared by both teachers.
  const setup = defaultBench();
  const prepared = prepareBench(setup);

  for (const teacherName of ['heuristic', 'qas'] as const) {
    it(`reproduces ${teacherName}'s decisions on ≥ 90 % of the bench trace's decisions`, () => {
      // The shipped config with a small net (the default [512, 512] clones the same way, ten times slower).
      const { training } = readTrainingConfig(TRAINING, {
        'training.PPO.net_arch.pi': [64, 64],
        'training.PPO.net_arch.vf': [64, 64],
      });
      const tokens = syntheticTokenTables(SEED);
      const trainer = inProcessTrainer({
        simulation: setup.simulation,
        training,
        tokens,
        seed: SEED,
        steps: 256,
      });
      try {
        const demos = teacherDemonstrations({
          teacher: teacherName,
          simulation: setup.simulation,
          training,
          bench: setup.bench,
          tokens,
          runSeed: SEED,
          steps: DEFAULT_WARM_START_STEPS,
        });
        const stats = trainer.warmStart(demos, { ...WARM_START_CLONE_DEFAULTS, seed: SEED });
        expect(stats.lossAfter).toBeLessThan(stats.lossBefore);
        expect(trainer.updates).toBe(0);
        expect(trainer.steps).toBe(0);

        let decisions = 0;
        let agreed = 0;
        let teacherActs = 0;
        let agreedOnActs = 0;
        const probe = (): Policy => {
          const teacher = BASELINE_POLICIES[teacherName]!();
          return {
            ...teacher,
            decide(observation, mask, context) {
              const action = teacher.decide(observation, mask, context);
              const x = trainer.normalizer ? trainer.normalizer.normalizeObs(observation) : observation;
              const cloned = trainer.policy.act(x, mask, 0, true).action;
              decisions++;
              if (cloned === action) agreed++;
              if (action !== 0) {
                teacherActs++;
                if (cloned === action) agreedOnActs++;
              }
              return action;
            },
          };
        };
        runTrial(prepared, probe);
        expect(decisions).toBe(prepared.steps);
        // 90 % of the trace's decisions, and not by always doing nothing: some of the teacher's actions too.
        expect(agreed / decisions).toBeGreaterThanOrEqual(0.9);
        if (teacherActs > 0) expect(agreedOnActs).toBeGreaterThan(0);
      } finally {
        trainer.dispose();
      }
    });
  }
});

describe('a static baseline as a teacher', () => {
  it('first reaches its own layout from the random one the RL policy starts from, then never acts', () => {
    const prepared = prepareBench(defaultBench(256));
    const target = runTrial(prepared, BASELINE_POLICIES.static_split_extreme!);
    const targetStates: number[] = [];
    const bare = (): Policy => ({
      ...BASELINE_POLICIES.static_split_extreme!(),
      seedKey: 'rl',
      initialMode: 'random',
    });
    const actions: number[] = [];
    const states: string[] = [];
    const teacher = (): Policy => {
      const t = layoutReachingPolicy(BASELINE_POLICIES.static_split_extreme!());
      return {
        ...t,
        seedKey: 'rl',
        initialMode: 'random',
        decide(observation, mask, context) {
          const a = t.decide(observation, mask, context);
          actions.push(a);
          states.push(context.cluster.managedGpuStates().join(','));
          return a;
        },
      };
    };
    // The static baseline's own layout, as its trial starts (split_extreme: the longest valid state on each GPU).
    const own = (): Policy => {
      const p = BASELINE_POLICIES.static_split_extreme!();
      return {
        ...p,
        decide(observation, mask, context) {
          if (context.step === 0) targetStates.push(...context.cluster.managedGpuStates());
          return p.decide(observation, mask, context);
        },
      };
    };
    runTrial(prepared, own);
    const reached = runTrial(prepared, teacher);
    const idle = runTrial(prepared, bare);
    // It acts only at the start (waiting where the mask allows nothing), then holds the static layout.
    const lastAct = actions.findLastIndex((a) => a !== 0);
    expect(lastAct).toBeGreaterThanOrEqual(0);
    expect(lastAct).toBeLessThan(16);
    expect(states.slice(lastAct + 1).every((s) => s === targetStates.join(','))).toBe(true);
    // Never acting from the random layout is a different policy, far worse than reaching the static one.
    expect(reached.reward.total).toBeGreaterThan(idle.reward.total + 1000);
    expect(reached.reward.total).toBeLessThanOrEqual(target.reward.total);
  }, 120_000);
});

describe('warm start in a training run', () => {
  const common = {
    trainingConfigPath: TRAINING,
    simulationConfigPath: SIM,
    overrides: PIPELINE,
    seed: SEED,
    syntheticTokens: true,
    stepLogs: false,
    totalSteps: 256,
  };

  it('is recorded in run.json, changes the first update, and a resume does not clone again', async () => {
    const plain = await runTraining({ ...common, runDir: join(tmp, 'plain') });
    const warm = await runTraining({
      ...common,
      runDir: join(tmp, 'warm'),
      warmStart: 'static_split_extreme',
      warmStartSteps: 2048,
    });
    const meta = JSON.parse(readFileSync(join(tmp, 'warm', 'run.json'), 'utf8')) as {
      warmStart?: { teacher: string; steps: number; accuracy: number; noActionShare: number };
    };
    expect(meta.warmStart).toMatchObject({ teacher: 'static_split_extreme', steps: 2048 });
    // static_split_extreme first splits each random starting layout to its own (a few decisions per 128-decision
    // episode), then never acts; the clone learns both.
    expect(meta.warmStart!.noActionShare).toBeLessThan(1);
    expect(meta.warmStart!.noActionShare).toBeGreaterThan(0.9);
    expect(meta.warmStart!.accuracy).toBeGreaterThanOrEqual(0.99);
    const plainMeta = JSON.parse(readFileSync(join(tmp, 'plain', 'run.json'), 'utf8')) as object;
    expect(plainMeta).not.toHaveProperty('warmStart');
    const w = (dir: string) => readCheckpoint(dir).tensors.get('pi/logits/kernel')!;
    expect(w(warm.finalCheckpoint)).not.toEqual(w(plain.finalCheckpoint));
    // The clone before any PPO update is kept as step 0 (to bench it against its teacher); a plain run has none.
    const clone = join(tmp, 'warm', 'checkpoints', 'rl_model_0_steps');
    expect(readCheckpoint(clone).meta).toMatchObject({ steps: 0, updates: 0 });
    expect(w(clone)).not.toEqual(w(warm.finalCheckpoint));
    expect(existsSync(join(tmp, 'plain', 'checkpoints', 'rl_model_0_steps'))).toBe(false);

    // Resuming the warm run from its checkpoint with its warm start (a resume must name the run's settings; more
    // steps are allowed) trains on from the saved weights, and run.json keeps the record of the clone.
    const resumeWarm = {
      ...common,
      runDir: join(tmp, 'warm'),
      totalSteps: 512,
      warmStart: 'static_split_extreme' as const,
      warmStartSteps: 2048,
      resumeFrom: warm.finalCheckpoint.replace(/final$/, 'rl_model_256_steps'),
    };
    // Other warm-start options would put another clone on the run's record: refused.
    await expect(runTraining({ ...resumeWarm, warmStartSteps: 256 })).rejects.toThrow(
      /run\.json: settings: .*warm start .*"steps":2048.* → .*"steps":256/,
    );
    const resumed = await runTraining(resumeWarm);
    expect(resumed.steps).toBe(512);
    const after = JSON.parse(readFileSync(join(tmp, 'warm', 'run.json'), 'utf8')) as {
      starts: unknown[];
      warmStart?: unknown;
    };
    expect(after.starts).toHaveLength(2);
    expect(after.warmStart).toEqual(meta.warmStart);
  }, 180_000);

  it('enters the cache key (with the bench config its teacher reads) only when on', async () => {
    const base = {
      trainingConfig: TRAINING,
      simulationConfig: SIM,
      overrides: {},
      seed: 0,
      syntheticTokens: true,
    };
    const off = await trainStage.request(base);
    const on = await trainStage.request({ ...base, warmStart: 'heuristic', benchConfig: BENCH });
    expect(off.inputs).not.toHaveProperty('warmStart');
    expect(off.inputFiles).not.toContain(BENCH);
    expect(on.inputs).toMatchObject({ warmStart: 'heuristic' });
    expect(on.inputFiles).toContain(BENCH);
  });
});
