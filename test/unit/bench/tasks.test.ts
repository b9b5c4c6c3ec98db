import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BenchEntry } from '../../../contracts/index.js';
import {
  loadBenchSetup,
  loadTaskConfig,
  runBench,
  runTaskSuite,
  suiteScoreTable,
  TASKS_DIR,
  taskBenchSetup,
  taskFiles,
  taskScores,
} from '../../../core/bench/index.js';
import { heuristic, staticNoMig, staticSplitExtreme } from '../../../core/control/index.js';

const files = {
  simulationConfig: 'configs/simulation_config.yaml',
  trainingConfig: 'configs/training_config.yaml',
  syntheticTokens: true,
};

describe('task suite', () => {
  it('--task values: all, suite names, task files; unknown names are an error with the fix', () => {
    expect(taskFiles(['all'])).toEqual(['easy', 'medium', 'hard'].map((t) => join(TASKS_DIR, `${t}.yaml`)));
    expect(taskFiles(['hard', 'easy', 'hard'])).toEqual([
      join(TASKS_DIR, 'hard.yaml'),
      join(TASKS_DIR, 'easy.yaml'),
    ]);
    expect(taskFiles(['configs/tasks/medium.yaml'])).toEqual(['configs/tasks/medium.yaml']);
    expect(() => taskFiles(['extreme'])).toThrow(/--task: extreme: .* — fix: use easy, medium, hard, all/);
  });

  it('easy is the default bench, trial for trial', () => {
    const viaTask = runBench(
      taskBenchSetup(loadTaskConfig(join(TASKS_DIR, 'easy.yaml')), { ...files, steps: 12 }),
      [heuristic],
    );
    const plain = runBench(
      loadBenchSetup({ ...files, benchConfig: 'configs/bench_config.yaml', steps: 12 }),
      [heuristic],
    );
    expect(viaTask.prepared.trace.totalRequests).toBe(plain.prepared.trace.totalRequests);
    expect(JSON.stringify(viaTask.trials)).toBe(JSON.stringify(plain.trials));
  });

  it('medium replays its bursty trace (Gamma gaps, phases even/burst) to every policy', () => {
    const setup = taskBenchSetup(loadTaskConfig(join(TASKS_DIR, 'medium.yaml')), { ...files, steps: 40 });
    const { prepared, trials } = runBench(setup, [staticSplitExtreme, heuristic]);
    expect(new Set(prepared.trace.agents[0]!.phases.map((p) => p.pattern))).toEqual(
      new Set(['even', 'burst']),
    );
    expect(trials.every((t) => t.agents.every((a) => a.completedRequests > 0))).toBe(true);
  });

  it('hard: RAG’s long prompts wait for the long-context 7g; without one they stay unfinished and still count', () => {
    const setup = taskBenchSetup(loadTaskConfig(join(TASKS_DIR, 'hard.yaml')), { ...files, steps: 24 });
    const { prepared, trials } = runBench(setup, [staticSplitExtreme, staticNoMig]);
    const [split, noMig] = trials.map((t) => t.agents[1]!);
    // static_split_extreme has no 7g: every long RAG prompt (≈ 1 % of RAG's items) waits to the end.
    expect(split!.unfinishedRequests).toBeGreaterThan(0.005 * split!.completedRequests);
    // static_no_mig's 7g serves the long-context model, so they are served.
    expect(noMig!.unfinishedRequests).toBeLessThan(split!.unfinishedRequests! / 10);
    // Every arrival counts, finished or not: both trials replay the same arrivals (up to the few a longer flush adds),
    // so they count about as many requests although split leaves ≈ 1 % unfinished; the censored waits are in the
    // TTFT figures.
    const counted = (a: { completedRequests: number; unfinishedRequests?: number }) =>
      a.completedRequests + (a.unfinishedRequests ?? 0);
    expect(Math.abs(counted(split!) - counted(noMig!))).toBeLessThan(0.003 * counted(noMig!));
    expect(counted(split!)).toBeLessThanOrEqual(prepared.trace.totalRequests);
    expect(split!.ttftPercentilesS[3]).toBeGreaterThan(600);
    expect(split!.meanTtftS).toBeGreaterThan(noMig!.meanTtftS);
  });

  it('tasks without kv_capacity report no unfinished count (the reference’s figures, unchanged)', () => {
    const { trials } = runBench(
      taskBenchSetup(loadTaskConfig(join(TASKS_DIR, 'easy.yaml')), { ...files, steps: 6 }),
      [staticSplitExtreme],
    );
    expect(trials[0]!.agents.every((a) => !('unfinishedRequests' in a))).toBe(true);
  });
});

const entry = (
  policy: string,
  reward: number,
  p99s: [number, number],
  means: [number, number],
): BenchEntry => ({
  policy,
  runName: policy,
  steps: 10,
  reward: { total: reward, ttft: 0, tpot: 0, action: 0, quality: 0, affinity: 0, clip: 0 },
  agents: ['CodingAgent', 'RAGAgent'].map((agent, i) => ({
    agent,
    completedRequests: 1,
    meanTtftS: means[i]!,
    ttftPercentilesS: [0, 0, 0, p99s[i]!],
    tpotQuartilesS: [0, 0, 0],
    avgWaitingQueue: 0,
    splitCount: 0,
    mergeCount: 0,
    transferCount: 0,
  })),
});

describe('task scores', () => {
  it('0 at the heuristic, 1 at the best of the run, on the reward and on the worse agent’s P99', () => {
    const s = taskScores('t', 'd', [
      entry('heuristic', -100, [50, 80], [5, 6]),
      entry('static_split_extreme', 20, [10, 30], [1, 2]),
      entry('qas', -40, [90, 55], [3, 4]),
      entry('static_no_mig', -400, [200, 20], [9, 9]),
    ]);
    expect(s.notes).toEqual([]);
    const by = Object.fromEntries(s.policies.map((p) => [p.policy, p]));
    expect(by.heuristic).toMatchObject({ rewardScore: 0, p99Score: 0, worstP99TtftS: 80 });
    expect(by.static_split_extreme).toMatchObject({ rewardScore: 1, p99Score: 1, worstP99TtftS: 30 });
    // Reward: (−40 + 100) / (20 + 100) = 0.5; P99: (80 − 90) / (80 − 30) = −0.2.
    expect(by.qas!.rewardScore).toBeCloseTo(0.5, 12);
    expect(by.qas!.p99Score).toBeCloseTo(-0.2, 12);
    expect(by.static_no_mig!.rewardScore).toBeCloseTo(-2.5, 12);
    expect(by.static_no_mig!.p99Score).toBeCloseTo(-2.4, 12);
    expect(suiteScoreTable([s])).toMatch(/qas\s*│\s*0\.50 \/ -0\.20/);
  });

  it('no heuristic in the run, or a heuristic that is the best: no scale, and a note saying why', () => {
    const none = taskScores('t', 'd', [entry('qas', 1, [1, 1], [1, 1])]);
    expect(none.policies[0]).toMatchObject({ rewardScore: null, p99Score: null });
    expect(none.notes[0]).toMatch(/no heuristic trial.*--bl heuristic/);
    const best = taskScores('t', 'd', [
      entry('heuristic', 5, [1, 1], [1, 1]),
      entry('qas', 1, [2, 2], [1, 1]),
    ]);
    expect(best.policies.map((p) => p.rewardScore)).toEqual([null, null]);
    expect(best.notes).toEqual([
      'heuristic has the best reward: no reward scale',
      'heuristic has the best P99 TTFT: no P99 scale',
    ]);
  });

  it('a suite run writes each task’s files under its own folder and the scores', async () => {
    const out = mkdtempSync(join(tmpdir(), 'migflow-suite-'));
    const r = await runTaskSuite({
      tasks: taskFiles(['easy', 'hard']),
      policies: [staticSplitExtreme, heuristic],
      files: { ...files, steps: 6 },
      outDir: out,
    });
    expect(r.runs.map((x) => x.task)).toEqual(['easy', 'hard']);
    for (const t of ['easy', 'hard'])
      for (const f of [
        'results_STATIC_SPLIT_EXTREME.txt',
        'results_BASELINE_HEURISTIC.json',
        'comparison.txt',
      ])
        expect(existsSync(join(out, t, f)), `${t}/${f}`).toBe(true);
    const scores = JSON.parse(readFileSync(join(out, 'scores.json'), 'utf8')) as { task: string }[];
    expect(scores.map((s) => s.task)).toEqual(['easy', 'hard']);
    expect(readFileSync(join(out, 'scores.txt'), 'utf8')).toContain('Normalised scores per task');
  });
});
