/** The task suite in the run report: every policy on every task with its scores, as JSON and as the page. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BenchEntry } from '../../../contracts/index.js';
import { taskScores } from '../../../core/bench/index.js';
import {
  adaptiveWinners,
  type RunReport,
  renderRunReportHtml,
  suiteRunReport,
  writeRunReport,
} from '../../../core/report/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'migflow-suite-report-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A bench entry with only what the scores read: the reward, mean TTFT per agent and P99 TTFT. */
function entry(policy: string, reward: number, ttft: [number, number], p99: [number, number]): BenchEntry {
  return {
    policy,
    reward: { total: reward },
    agents: ['CodingAgent', 'RAGAgent'].map((agent, i) => ({
      agent,
      meanTtftS: ttft[i],
      ttftPercentilesS: [0, 0, 0, p99[i]],
    })),
  } as unknown as BenchEntry;
}

const easy = taskScores('easy', 'the reference workload', [
  entry('heuristic', 10, [5, 6], [20, 30]),
  entry('qas', 30, [4, 5], [18, 25]),
  entry('static_split_extreme', 50, [1, 2], [5, 10]),
]);
const hard = taskScores('hard', 'loads that swap', [
  entry('heuristic', -100, [300, 400], [900, 1200]),
  entry('qas', -20, [40, 50], [300, 200]),
  entry('static_split_extreme', -60, [200, 100], [800, 600]),
  entry('static_no_mig', -900, [9000, 8000], [20000, 18000]),
]);

describe('suite run report', () => {
  const report = suiteRunReport('bench suite', [easy, hard], {
    generatedAt: new Date('2026-12-06T17:00:00Z'),
  });

  it('holds every policy on every task with the normalised scores core/bench computed', () => {
    const json = JSON.parse(JSON.stringify(report)) as RunReport;
    expect(json.kind).toBe('bench');
    expect(json.suite!.tasks.map((t) => t.task)).toEqual(['easy', 'hard']);
    const h = json.suite!.tasks[1]!;
    expect(h.agents).toEqual(['CodingAgent', 'RAGAgent']);
    expect(h.policies.map((p) => p.policy)).toEqual([
      'heuristic',
      'qas',
      'static_split_extreme',
      'static_no_mig',
    ]);
    // Reward: heuristic −100 → 0, best (qas −20) → 1; static_split_extreme −60 → 0.5.
    expect(h.policies.map((p) => p.rewardScore)).toEqual([0, 1, 0.5, -10]);
    // P99 of the worse agent: heuristic 1200 → 0, best (qas 300) → 1, static_split_extreme 800 → 4/9.
    expect(h.policies[2]!.p99Score).toBeCloseTo(4 / 9, 12);
    expect(h.policies[1]!.meanTtftS).toEqual([40, 50]);
    expect(h.policies[1]!.worstP99TtftS).toBe(300);
    // On easy the static layout is best on both axes: scores of 1, the heuristic 0.
    expect(json.suite!.tasks[0]!.policies.map((p) => [p.rewardScore, p.p99Score])).toEqual([
      [0, 0],
      [0.5, 0.25],
      [1, 1],
    ]);
  });

  it('names the adaptive policies that beat every static layout for every agent, per task', () => {
    expect(adaptiveWinners(hard)).toEqual(['qas']);
    expect(adaptiveWinners(easy)).toEqual([]);
    expect(report.headline).toEqual([
      'easy: best reward static_split_extreme (50.0), best P99 TTFT static_split_extreme (10.0 s). No adaptive policy beats every static layout on mean TTFT for every agent.',
      'hard: best reward qas (-20.0), best P99 TTFT qas (300.0 s). Beating every static layout on mean TTFT for every agent: qas.',
    ]);
  });

  it('writes null for figures JSON cannot hold and keeps the notes of a task without a scale', () => {
    const noHeuristic = taskScores('medium', 'bursts', [entry('qas', 1, [Number.NaN, 2], [3, 4])]);
    const r = suiteRunReport('x', [noHeuristic]);
    const t = (JSON.parse(JSON.stringify(r)) as RunReport).suite!.tasks[0]!;
    expect(t.policies[0]!.meanTtftS).toEqual([null, 2]);
    expect(t.policies[0]!.rewardScore).toBeNull();
    expect(t.notes[0]).toContain('no heuristic trial');
  });

  it('renders the score matrix and one table per task, and writes report.json and report.html', () => {
    const html = renderRunReportHtml(report);
    expect(html).toContain('<section id="suite">');
    expect(html).toContain('<h3 id="task-hard">Task hard</h3>');
    // The matrix row of qas: "reward score / P99 score" per task.
    expect(html).toContain(
      '<tr><td>qas</td><td class="n">0.50 / 0.25</td><td class="n">1.00 / 1.00</td></tr>',
    );
    expect(html).toContain('<td class="best">qas</td>');
    const files = writeRunReport(tmp, report);
    const back = JSON.parse(readFileSync(files.json, 'utf8')) as RunReport;
    expect(back.suite!.tasks[1]!.policies[3]!.rewardScore).toBe(-10);
    expect(readFileSync(files.html, 'utf8')).toBe(html);
  });
});
