/**
 * Scores of every policy on every task of a suite run, normalised per task so tasks of different scales can be read
 * side by side: 0 is the heuristic, 1 is the best policy of the run on that task, on two axes — the training reward
 * (higher is better) and P99 TTFT of the worse-served agent (lower is better). Above 1 cannot happen; below 0
 * means worse than the heuristic. A task whose run has no heuristic, or where the heuristic is itself the best
 * (no scale), gets no normalised score.
 */
import type { BenchEntry } from '../../contracts/index.js';
import {
  fancyOutline,
  type ReportTaskPolicy,
  type ReportTaskScores,
  type TableRow,
} from '../report/index.js';

export const SCORE_REFERENCE_POLICY = 'heuristic';

/** One policy on one task, and one task of a suite run: the run report's shapes (core/report), filled here. */
export type PolicyScore = ReportTaskPolicy;
export type TaskScores = ReportTaskScores;

const worstP99 = (e: BenchEntry) => Math.max(...e.agents.map((a) => a.ttftPercentilesS[3] ?? Number.NaN));

/** `value` on the scale where `zero` maps to 0 and `one` to 1; null when the two coincide. */
function normalised(value: number, zero: number, one: number): number | null {
  return one === zero ? null : (value - zero) / (one - zero);
}

export function taskScores(task: string, description: string, entries: readonly BenchEntry[]): TaskScores {
  const notes: string[] = [];
  const reward = (e: BenchEntry) => e.reward?.total ?? Number.NaN;
  const reference = entries.find((e) => e.policy === SCORE_REFERENCE_POLICY);
  if (!reference)
    notes.push(`no ${SCORE_REFERENCE_POLICY} trial in this run: add --bl heuristic (or all) to score`);
  const bestReward = Math.max(...entries.map(reward));
  const bestP99 = Math.min(...entries.map(worstP99));
  if (reference && reward(reference) === bestReward)
    notes.push(`${SCORE_REFERENCE_POLICY} has the best reward: no reward scale`);
  if (reference && worstP99(reference) === bestP99)
    notes.push(`${SCORE_REFERENCE_POLICY} has the best P99 TTFT: no P99 scale`);
  return {
    task,
    description,
    agents: entries[0]?.agents.map((a) => a.agent) ?? [],
    notes,
    policies: entries.map((e) => ({
      policy: e.policy,
      reward: reward(e),
      meanTtftS: e.agents.map((a) => a.meanTtftS),
      worstP99TtftS: worstP99(e),
      rewardScore: reference ? normalised(reward(e), reward(reference), bestReward) : null,
      p99Score: reference ? normalised(-worstP99(e), -worstP99(reference), -bestP99) : null,
    })),
  };
}

const score = (x: number | null) => (x === null || Number.isNaN(x) ? '—' : x.toFixed(2));
const seconds = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 1 ? x.toFixed(2) : x.toFixed(3));

/** One table per task: raw reward and latencies, then the two normalised scores. */
export function taskScoreTable(t: TaskScores): string {
  const rows: TableRow[] = t.policies.map((p) => [
    p.policy,
    p.reward.toFixed(1),
    p.meanTtftS.map(seconds).join(' / '),
    seconds(p.worstP99TtftS),
    score(p.rewardScore),
    score(p.p99Score),
  ]);
  return [
    `Task ${t.task}: ${t.description}`,
    fancyOutline(
      [
        'Policy',
        'Reward',
        `TTFT mean ${t.agents.map((a) => a.replace(/Agent$/, '')).join(' / ')} (s)`,
        'P99 TTFT, worse agent (s)',
        'Score: reward',
        'Score: P99',
      ],
      rows,
    ),
    ...t.notes.map((n) => `note: ${n}`),
  ].join('\n');
}

/** Every policy × task: "reward score / P99 score" (0 = heuristic, 1 = best of the run). */
export function suiteScoreTable(tasks: readonly TaskScores[]): string {
  const policies: string[] = [];
  for (const t of tasks)
    for (const p of t.policies) if (!policies.includes(p.policy)) policies.push(p.policy);
  const rows: TableRow[] = policies.map((policy) => [
    policy,
    ...tasks.map((t) => {
      const p = t.policies.find((x) => x.policy === policy);
      return p ? `${score(p.rewardScore)} / ${score(p.p99Score)}` : 'not run';
    }),
  ]);
  return [
    'Normalised scores per task (reward / P99 TTFT): 0 = heuristic, 1 = best policy of the run',
    fancyOutline(['Policy', ...tasks.map((t) => t.task)], rows),
  ].join('\n');
}
