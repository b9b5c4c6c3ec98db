/**
 * The task suite in the run report (`migflow bench --task …`): every policy on every task with its raw figures and
 * the two normalised scores core/bench computed (0 at the heuristic, 1 at the best policy of the run), plus a
 * headline per task that says which policy led and whether an adaptive one beat every static layout on mean TTFT
 * for every agent — the question the hard task is built to answer (docs/tasks.md).
 */
import { type ReportLink, RUN_REPORT_FORMAT, type RunReport } from './run-report.js';

/** One policy on one task (core/bench's task scores fill it; the report reads it, never computes it). */
export interface ReportTaskPolicy {
  readonly policy: string;
  /** Training reward over the trial (the env's episode reward). */
  readonly reward: number;
  /** Mean TTFT per agent (the task's agent order), seconds. */
  readonly meanTtftS: readonly number[];
  /** The largest of the agents' P99 TTFTs, seconds. */
  readonly worstP99TtftS: number;
  /** (reward − heuristic's) / (best − heuristic's); null without a scale. */
  readonly rewardScore: number | null;
  /** (heuristic's P99 − P99) / (heuristic's − best); null without a scale. */
  readonly p99Score: number | null;
}

/** One task of a suite run. */
export interface ReportTaskScores {
  readonly task: string;
  readonly description: string;
  readonly agents: readonly string[];
  readonly policies: readonly ReportTaskPolicy[];
  /** Why a score is missing, when one is. */
  readonly notes: readonly string[];
}

/** Static layouts: the registry's baselines that never reconfigure. */
export const isStaticPolicy = (policy: string): boolean => policy.startsWith('static_');

/** JSON has no NaN or ±∞: such figures (a trial without requests) are written as null. */
const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

function jsonSafe(t: ReportTaskScores): ReportTaskScores {
  return {
    ...t,
    policies: t.policies.map((p) => ({
      ...p,
      reward: finiteOrNull(p.reward) as number,
      meanTtftS: p.meanTtftS.map((x) => finiteOrNull(x) as number),
      worstP99TtftS: finiteOrNull(p.worstP99TtftS) as number,
    })),
  };
}

/**
 * Adaptive policies that beat every static layout of the run on mean TTFT for every agent (empty when the run
 * has no static layout or none does).
 */
export function adaptiveWinners(t: ReportTaskScores): string[] {
  const statics = t.policies.filter((p) => isStaticPolicy(p.policy));
  if (statics.length === 0) return [];
  return t.policies
    .filter((p) => !isStaticPolicy(p.policy))
    .filter((p) =>
      t.agents.every((_, i) =>
        statics.every((s) => (p.meanTtftS[i] ?? Number.NaN) < (s.meanTtftS[i] ?? Number.NaN)),
      ),
    )
    .map((p) => p.policy);
}

function taskHeadline(t: ReportTaskScores): string {
  const byReward = [...t.policies].sort((a, b) => b.reward - a.reward)[0];
  if (!byReward) return `${t.task}: no trials.`;
  const byP99 = [...t.policies].sort((a, b) => a.worstP99TtftS - b.worstP99TtftS)[0]!;
  const winners = adaptiveWinners(t);
  const statics = t.policies.some((p) => isStaticPolicy(p.policy));
  const adaptive = !statics
    ? ''
    : winners.length
      ? ` Beating every static layout on mean TTFT for every agent: ${winners.join(', ')}.`
      : ' No adaptive policy beats every static layout on mean TTFT for every agent.';
  return `${t.task}: best reward ${byReward.policy} (${byReward.reward.toFixed(1)}), best P99 TTFT ${byP99.policy} (${byP99.worstP99TtftS.toFixed(1)} s).${adaptive}`;
}

/** The report of a suite bench: one section per task and the policy × task score table. */
export function suiteRunReport(
  runId: string,
  tasks: readonly ReportTaskScores[],
  o: { generatedAt?: Date; links?: ReportLink[] } = {},
): RunReport {
  return {
    format: RUN_REPORT_FORMAT,
    kind: 'bench',
    runId,
    title: `migflow bench ${runId} — task suite (${tasks.map((t) => t.task).join(', ')})`,
    generatedAt: (o.generatedAt ?? new Date()).toISOString(),
    headline: tasks.map(taskHeadline),
    suite: { tasks: tasks.map(jsonSafe) },
    links: o.links ?? [],
  };
}
