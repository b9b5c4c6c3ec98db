/**
 * Held-out evaluation (training.evaluation): every checkpoint is benched on a trace of its own and best.json follows
 * that reward. Checked here: the evaluation reward is what `migflow bench` reports for the checkpoint on that trace,
 * best.json is the evaluation's best and says so, the training run is bit-identical with evaluation on or off, a
 * resume keeps the evaluation history and evaluates a checkpoint whose evaluation a kill cut off, the cache key
 * follows the setting, and bad values are refused with the field and the fix.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluatedUnder } from '../../../cli/commands/train.js';
import { evaluationOverride } from '../../../cli/lib/eval-options.js';
import { taskFiles } from '../../../core/bench/index.js';
import { readTrainingConfig } from '../../../core/config/index.js';
import { runTrialToDir } from '../../../core/stages/bench/bench-child.js';
import { createCheckpointEvaluator } from '../../../core/stages/train/evaluation.js';
import { trainStage } from '../../../core/stages/train/index.js';
import { runTraining } from '../../../core/stages/train/train-run.js';
import { cpuBoundTimeout } from '../../helpers/cpu-bound.js';
import { digestRun } from './run-digest.js';
import { SHIPPED_TRAIN_REQUEST, TINY_PPO } from './setup.js';
import { readScalars } from './tensorboard-reader.js';
import { useTfBackend } from './tf-setup.js';

useTfBackend();

const tmp = mkdtempSync(join(tmpdir(), 'migflow-rl-eval-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// The golden run's tiny set-up (test/unit/rl/golden-run.test.ts): checkpoints at 40, 80 and 96 steps.
const TINY = TINY_PPO;
// Seeds 82 and 83: there the evaluation prefers rl_model_80_steps while the training reward prefers rl_model_40_steps
// (on the default seeds 78/79 both pick 40), so the test tells the two criteria apart.
const EVALUATION = { 'training.evaluation': { decisions: 24, episodes: 2, seed: 82 } };
const FILES = {
  trainingConfigPath: 'configs/training_config.yaml',
  simulationConfigPath: 'configs/simulation_config.yaml',
  checkpointEverySteps: 40,
  seed: 3,
  syntheticTokens: true,
} as const;

interface EvalLine {
  evaluation?: { start: string; seed: number; episodes: number; decisions: number };
  steps: number;
  checkpoint: string;
  meanReward: number;
  rewards: number[];
  seeds: number[];
  decisions: number;
  seconds: number;
}
const evalLines = (runDir: string): EvalLine[] =>
  readFileSync(join(runDir, 'logs', 'eval.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .filter((l) => l)
    .map((l) => JSON.parse(l) as EvalLine);
const withoutTime = (lines: EvalLine[]) => lines.map(({ seconds: _, ...rest }) => rest);
const bestJson = (runDir: string) =>
  JSON.parse(readFileSync(join(runDir, 'checkpoints', 'best.json'), 'utf8')) as Record<string, unknown>;

describe('held-out evaluation at every checkpoint', { timeout: cpuBoundTimeout(20) }, () => {
  const plainDir = join(tmp, 'plain');
  const evalDir = join(tmp, 'eval');

  it('leaves training bit-identical and picks best.json by the evaluation reward', async () => {
    const plain = await runTraining({ ...FILES, overrides: TINY, runDir: plainDir, totalSteps: 96 });
    const evaluated = await runTraining({
      ...FILES,
      overrides: { ...TINY, ...EVALUATION },
      runDir: evalDir,
      totalSteps: 96,
    });
    // Checkpoints (weights, Adam, RNG states, counters), losses, episodes and per-step logs.
    expect(digestRun(evalDir)).toEqual(digestRun(plainDir));
    expect(plain.bestBy).toBe('mean_episode_reward');
    expect(bestJson(plainDir).criterion).toBe('mean_episode_reward');

    const lines = evalLines(evalDir);
    expect(lines.map((l) => l.checkpoint)).toEqual([
      'rl_model_40_steps',
      'rl_model_80_steps',
      'rl_model_96_steps',
    ]);
    // Every line says what it was measured under (the start rule defaults to own).
    const settings = { start: 'own', seed: 82, episodes: 2, decisions: 24 };
    for (const l of lines) {
      expect(l.evaluation).toEqual(settings);
      expect(l.seeds).toEqual([82, 83]);
      expect(l.decisions).toBe(24);
      expect(l.meanReward).toBeCloseTo((l.rewards[0]! + l.rewards[1]!) / 2, 12);
    }
    // TensorBoard: SB3 EvalCallback's tag at each checkpoint's step.
    const [events] = readdirSync(join(evalDir, 'tensorboard'));
    const tb = readScalars(join(evalDir, 'tensorboard', events!)).filter((x) => x.tag === 'eval/mean_reward');
    expect(tb.map((x) => x.step)).toEqual([40, 80, 96]);
    expect(tb.map((x) => x.value)).toEqual(lines.map((l) => Math.fround(l.meanReward)));
    const top = lines.reduce((a, b) => (b.meanReward > a.meanReward ? b : a));
    expect(evaluated.bestBy).toBe('eval_reward');
    expect(evaluated.evalReward).toBe(top.meanReward);
    expect(plain.evalReward).toBeUndefined();
    // The result says what the evaluation reward was measured under (the CLI prints it), as best.json does.
    expect(evaluated.evaluation).toEqual(settings);
    expect(plain.evaluation).toBeUndefined();
    expect(evaluatedUnder(evaluated.evaluation)).toBe(
      ' under start own, trace seed 82, 2 episodes of 24 decisions',
    );
    expect(evaluatedUnder(plain.evaluation)).toBe('');
    expect(top.checkpoint).toBe('rl_model_80_steps');
    expect(plain.bestCheckpoint).toBe(join(plainDir, 'checkpoints', 'rl_model_40_steps'));
    expect(evaluated.bestCheckpoint).toBe(join(evalDir, 'checkpoints', top.checkpoint));
    expect(bestJson(evalDir)).toMatchObject({
      checkpoint: join(evalDir, 'checkpoints', top.checkpoint),
      criterion: 'eval_reward',
      evalReward: top.meanReward,
      evalSeeds: [82, 83],
      evalDecisions: 24,
      evaluation: settings,
    });
    // Chosen by the training reward, best.json names no evaluation.
    expect(bestJson(plainDir).evaluation).toBeUndefined();
  });

  it('equals the reward column `migflow bench` gives the same checkpoint on the same trace', async () => {
    const lines = evalLines(evalDir);
    for (const l of lines) {
      for (const [k, seed] of l.seeds.entries()) {
        const out = await runTrialToDir({
          policy: 'rl',
          checkpoint: join(evalDir, 'checkpoints', l.checkpoint),
          simulationConfig: 'configs/simulation_config.yaml',
          trainingConfig: join(evalDir, 'snapshots', 'training_config.yaml'),
          benchConfig: 'configs/bench_config.yaml',
          syntheticTokens: true,
          seed,
          steps: l.decisions,
          figures: false,
          outDir: join(tmp, `bench-${l.checkpoint}-${seed}`),
        });
        // The bench also serves what is left after the last decision; the reward counts the decisions only.
        expect(out.entry.reward?.total).toBe(l.rewards[k]);
      }
    }
  });

  it('with start common, equals the reward column of `migflow bench --start common` and records the rule', async () => {
    const checkpoint = join(evalDir, 'checkpoints', 'rl_model_80_steps');
    const evaluate = (start?: 'common') =>
      createCheckpointEvaluator({
        evaluation: { episodes: 1, seed: 82, decisions: 24, ...(start ? { start } : {}) },
        trainingConfig: join(evalDir, 'snapshots', 'training_config.yaml'),
        simulationConfig: 'configs/simulation_config.yaml',
        benchConfig: 'configs/bench_config.yaml',
        syntheticTokens: true,
      }).evaluate(checkpoint, 80);
    const common = evaluate('common');
    const out = await runTrialToDir({
      policy: 'rl',
      checkpoint,
      simulationConfig: 'configs/simulation_config.yaml',
      trainingConfig: join(evalDir, 'snapshots', 'training_config.yaml'),
      benchConfig: 'configs/bench_config.yaml',
      syntheticTokens: true,
      seed: 82,
      steps: 24,
      start: 'common',
      figures: false,
      outDir: join(tmp, 'bench-common'),
    });
    expect(out.entry.reward?.total).toBe(common.rewards[0]);
    expect(common.evaluation).toEqual({ start: 'common', seed: 82, episodes: 1, decisions: 24 });
    // The other start draws another first layout (and the trial's stream), so another reward on this checkpoint.
    const own = evaluate();
    expect(own.rewards[0]).not.toBe(common.rewards[0]);
    expect(own.evaluation.start).toBe('own');
  });

  it("with a task, runs on the task's workload as `migflow bench --task` does", async () => {
    const task = taskFiles(['hard'])[0]!;
    const checkpoint = join(evalDir, 'checkpoints', 'rl_model_80_steps');
    const trainingConfig = join(evalDir, 'snapshots', 'training_config.yaml');
    const e = createCheckpointEvaluator({
      evaluation: { episodes: 1, decisions: 24 },
      trainingConfig,
      simulationConfig: 'configs/simulation_config.yaml',
      benchConfig: 'configs/bench_config.yaml',
      task,
      syntheticTokens: true,
    }).evaluate(checkpoint, 80);
    // The hard task starts from the bench config's seed 77.
    expect(e.seeds).toEqual([78]);
    expect(e.evaluation).toEqual({ start: 'own', seed: 78, episodes: 1, decisions: 24 });
    const out = await runTrialToDir({
      policy: 'rl',
      checkpoint,
      simulationConfig: 'configs/simulation_config.yaml',
      trainingConfig,
      benchConfig: 'configs/bench_config.yaml',
      syntheticTokens: true,
      task: 'hard',
      seed: 78,
      steps: 24,
      figures: false,
      outDir: join(tmp, 'bench-hard'),
    });
    expect(out.entry.reward?.total).toBe(e.rewards[0]);
    expect(out.workload).toBe('task hard, seed 78');
  });

  it('a resume keeps the evaluation history (older lines without their settings too) and evaluates a checkpoint a kill left unevaluated', async () => {
    const full = evalLines(evalDir);
    // The state a kill leaves between writing rl_model_80_steps and its evaluation line (writes are atomic).
    const cutDir = join(tmp, 'cut');
    await runTraining({
      ...FILES,
      overrides: { ...TINY, ...EVALUATION },
      runDir: cutDir,
      totalSteps: 96,
    });
    // Kept as a migflow before the recorded settings wrote it: the resume must read it all the same.
    const cut = evalLines(cutDir)
      .filter((l) => l.steps <= 40)
      .map(({ evaluation: _, ...old }) => old);
    writeFileSync(join(cutDir, 'logs', 'eval.jsonl'), cut.map((l) => `${JSON.stringify(l)}\n`).join(''));
    const resumed = await runTraining({
      ...FILES,
      overrides: { ...TINY, ...EVALUATION },
      runDir: cutDir,
      totalSteps: 96,
      resumeFrom: join(cutDir, 'checkpoints', 'rl_model_80_steps'),
    });
    const after = evalLines(cutDir);
    // 40 kept, 80 evaluated at the resume, 96 reached after it. (A resume inside a rollout does not retrace the
    // uninterrupted run's updates bit for bit, with or without evaluation, so 96's weights may differ.)
    const { evaluation: _, ...full40 } = full[0]!;
    expect(withoutTime([after[0]!])).toEqual(withoutTime([full40]));
    expect(withoutTime([after[1]!])).toEqual(withoutTime([full[1]!]));
    expect(after.map((l) => l.checkpoint)).toEqual(full.map((l) => l.checkpoint));
    // The kept old line stays as it was (its start rule is not known); the lines this start wrote record theirs.
    expect(after[0]!.evaluation).toBeUndefined();
    for (const l of after.slice(1)) expect(l.evaluation).toEqual(full[0]!.evaluation);
    const top = after.reduce((a, b) => (b.meanReward > a.meanReward ? b : a));
    expect(top.checkpoint).toBe('rl_model_80_steps');
    expect(resumed.bestCheckpoint).toBe(join(cutDir, 'checkpoints', top.checkpoint));
    expect(bestJson(cutDir)).toMatchObject({
      criterion: 'eval_reward',
      evalReward: top.meanReward,
      evaluation: top.evaluation,
    });
  });
});

describe('the evaluation setting', () => {
  it('enters the cache key, with the bench config its traces come from', async () => {
    const off = await trainStage.request(SHIPPED_TRAIN_REQUEST);
    const on = await trainStage.request({
      ...SHIPPED_TRAIN_REQUEST,
      overrides: { 'training.evaluation': { decisions: 128 } },
    });
    const otherSeed = await trainStage.request({
      ...SHIPPED_TRAIN_REQUEST,
      overrides: { 'training.evaluation': { decisions: 128, seed: 5 } },
    });
    expect(off.inputFiles).not.toContain('configs/bench_config.yaml');
    expect(on.inputFiles).toContain('configs/bench_config.yaml');
    expect(on.inputs).not.toEqual(off.inputs);
    expect(otherSeed.inputs).not.toEqual(on.inputs);
  });

  it("draws its traces from the bench config's seed + 1 unless given a seed", () => {
    const evaluator = (evaluation: { episodes: number; seed?: number }) =>
      createCheckpointEvaluator({
        evaluation: { ...evaluation, decisions: 8 },
        trainingConfig: 'configs/training_config.yaml',
        simulationConfig: 'configs/simulation_config.yaml',
        benchConfig: 'configs/bench_config.yaml',
        syntheticTokens: true,
      });
    // configs/bench_config.yaml has seed 77.
    expect(evaluator({ episodes: 3 }).seeds).toEqual([78, 79, 80]);
    expect(evaluator({ episodes: 1, seed: 5 }).seeds).toEqual([5]);
    expect(evaluator({ episodes: 1 }).decisions).toBe(8);
    expect(evaluator({ episodes: 3 }).settings).toEqual({
      start: 'own',
      seed: 78,
      episodes: 3,
      decisions: 8,
    });
  });

  it('comes from the --eval flags as one training.evaluation section', () => {
    expect(evaluationOverride({})).toEqual({});
    expect(evaluationOverride({ eval: true })).toEqual({ 'training.evaluation': {} });
    expect(evaluationOverride({ evalDecisions: 128, evalSeed: 9 })).toEqual({
      'training.evaluation': { decisions: 128, seed: 9 },
    });
    expect(evaluationOverride({ evalStart: 'common' })).toEqual({
      'training.evaluation': { start: 'common' },
    });
  });

  it('refuses bad values naming the file, the field and the fix', () => {
    const load = (evaluation: unknown) =>
      readTrainingConfig('configs/training_config.yaml', { 'training.evaluation': evaluation });
    expect(() => load({ episodes: 0 })).toThrow(
      /training_config\.yaml.*training\.evaluation\.episodes.*fix: set training\.evaluation\.episodes to a value > 0/,
    );
    expect(() => load({ decisons: 64 })).toThrow(/training\.evaluation.*"decisons".*fix: remove or rename/);
    expect(() => load({ seed: 1.5 })).toThrow(/training\.evaluation\.seed/);
    expect(() => load({ start: 'shared' })).toThrow(/training\.evaluation\.start/);
    expect(load({ start: 'common' }).training.evaluation).toEqual({ episodes: 1, start: 'common' });
    expect(load({}).training.evaluation).toEqual({ episodes: 1 });
  });

  it('a bench config it cannot read stops the run before anything is written', async () => {
    const runDir = join(tmp, 'bad-bench');
    await expect(
      runTraining({
        ...FILES,
        overrides: { ...TINY, ...EVALUATION },
        runDir,
        totalSteps: 64,
        benchConfigPath: join(tmp, 'no-such-bench.yaml'),
      }),
    ).rejects.toThrow(/no-such-bench\.yaml.*cannot read the file.*fix: check the path/);
    expect(existsSync(runDir)).toBe(false);
    expect(readTrainingConfig('configs/training_config.yaml').training.evaluation).toBeUndefined();
  });
});
