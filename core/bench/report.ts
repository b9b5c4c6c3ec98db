/**
 * Turns trial results into the reference's result files — `results_<run_name>.txt` (preamble, banner, initial
 * layout, aggregate and token tables) and a `.json` twin with every number unrounded — plus a side-by-side
 * comparison of all policies of one run. All files are written atomically.
 */

import { join } from 'node:path';
import { type BenchEntry, markdownTable, startRuleText } from '../../contracts/index.js';
import { PATTERN_ORDER } from '../config/index.js';
import { type EpisodeReward, rewardParts } from '../control/index.js';
import { LOGICAL_PROFILES } from '../mig/index.js';
import {
  type AgentMetrics,
  aggregateTable,
  fancyOutline,
  formatAvgQueue,
  formatTpot,
  formatTtft,
  type TableRow,
} from '../report/index.js';
import { writeFileAtomic } from '../util/index.js';
import type { PreparedBench, TrialResult } from './runner.js';

export function tokenTables(agents: readonly AgentMetrics[]): string {
  const pct = (xs: readonly number[] | null) =>
    LOGICAL_PROFILES.map((_, i) => `${(xs?.[i] ?? 0).toFixed(1)}%`);
  const parts = ['● Tokens by MIG Profile per Workload (%)', 'Format: 7G | 4G | 3G | 2G | 1L | 1S'];
  for (const a of agents) {
    const rows: TableRow[] = [
      ...PATTERN_ORDER.map((p) => [p, ...pct(a.tokensByPatternPct[p])]),
      ['[overall]', ...pct(a.tokensByMigPct)],
    ];
    parts.push(
      '',
      `[${a.agent}]`,
      fancyOutline(['Workload', ...LOGICAL_PROFILES], rows, { alignRight: true }),
    );
  }
  return parts.join('\n');
}

/** Per agent (alphabetical) and pattern (alphabetical): duration-weighted rate, total duration and share. */
export function workloadSummary(prepared: PreparedBench): string {
  const rows: TableRow[] = [];
  const agents = [...prepared.trace.agents].sort((a, b) => (a.agent < b.agent ? -1 : 1));
  agents.forEach((a, k) => {
    if (k > 0) rows.push('separator');
    const total = a.phases.reduce((s, p) => s + p.durationS, 0);
    const patterns = [...new Set(a.phases.map((p) => p.pattern))].sort();
    patterns.forEach((pattern, i) => {
      const ps = a.phases.filter((p) => p.pattern === pattern);
      const dur = ps.reduce((s, p) => s + p.durationS, 0);
      const rate = dur > 0 ? ps.reduce((s, p) => s + p.avgRatePerS * p.durationS, 0) / dur : 0;
      rows.push([
        i === 0 ? a.agent : '',
        pattern,
        rate.toFixed(3),
        dur.toFixed(3),
        `${(total > 0 ? (dur / total) * 100 : 0).toFixed(1)}%`,
      ]);
    });
  });
  return [
    'Workload Summary (Actual Patterns Encountered)',
    fancyOutline(['Agent', 'Pattern', 'Avg Rate (req/s)', 'Duration (s)', 'Proportion (%)'], rows),
  ].join('\n');
}

export function preambleText(prepared: PreparedBench): string {
  const lines = [
    '',
    '='.repeat(60),
    'STARTING HYBRID BENCHMARKS',
    `Using seed: ${prepared.bench.seed} `,
    '='.repeat(60),
  ];
  const seq = prepared.bench.workloadSequence;
  if (seq) {
    const item = (x: (typeof seq)[number]) =>
      typeof x === 'string'
        ? x
        : `{${Object.entries(x)
            .map(([k, v]) => `${k}: ${v}`)
            .join(', ')}}`;
    lines.push(`Workload Sequence: ${seq.map(item).join(' -> ')}`);
  }
  const recorded = prepared.setup.arrivalTrace;
  if (recorded)
    lines.push(
      `Replaying trace ${recorded.file} (${recorded.layout} layout, ${recorded.totalRequests} rows)`,
    );
  lines.push('Pre-generating workload requests...', `Generated ${prepared.trace.totalRequests} requests.`);
  lines.push(workloadSummary(prepared));
  return lines.join('\n');
}

/** 60 `#`, the text centred in 58 columns (odd space to the right), 60 `#`. */
export function bannerText(rows: readonly string[]): string {
  const row = (t: string) => {
    const space = 58 - t.length;
    const left = Math.floor(space / 2);
    return `#${' '.repeat(Math.max(0, left))}${t}${' '.repeat(Math.max(0, space - left))}#`;
  };
  return ['', '#'.repeat(60), ...rows.map(row), '#'.repeat(60), ''].join('\n');
}

/** The training reward over the trial (what PPO maximises) and the terms it is made of. */
export function rewardTable(r: EpisodeReward): string {
  const row = (label: string, v: number) => [label, v.toFixed(3)];
  return [
    `● Training Reward (sum over ${r.decisions} decisions; ${r.clippedDecisions} at the floor)`,
    fancyOutline(
      ['Term', 'Sum'],
      [
        row('TTFT penalty', r.ttft),
        row('TPOT penalty', r.tpot),
        row('Action penalty', r.action),
        row('Quality bonus', r.quality),
        row('Affinity bonus', r.affinity),
        row('Floor (clipping)', r.clip),
        'separator',
        row('Episode reward', r.total),
      ],
      { alignRight: true },
    ),
  ].join('\n');
}

/** What a start rule means, in one line (results_*.txt and under the comparison table). */
export function trialText(prepared: PreparedBench, trial: TrialResult): string {
  const layout = fancyOutline(
    ['GPU', 'Agent', 'MIG', 'Perm'],
    trial.initialState.map((e) => [
      String(e.gpu),
      e.unused ? 'Unused (Pad)' : e.agent,
      e.profile,
      e.permanent && !e.unused ? '✓' : '',
    ]),
  );
  const parts = [
    bannerText([trial.runName]),
    `Start rule: ${startRuleText(trial.start)}`,
    '[Initial State]',
    layout,
    '',
    'Benchmark steps exhausted. Entering flush period to finish remaining requests...',
  ];
  if (trial.flushTimedOut) parts.push(`[Warning] Flush period timed out after ${trial.flushSteps} steps.`);
  parts.push(
    '',
    '● Aggregate Metrics',
    aggregateTable(trial.agents),
    '',
    rewardTable(trial.reward),
    '',
    tokenTables(trial.agents),
  );
  return `${preambleText(prepared)}\n\n${parts.join('\n')}\n`;
}

export function trialJson(prepared: PreparedBench, trial: TrialResult): object {
  return {
    ...trial,
    workload: {
      seed: prepared.bench.seed,
      horizonS: prepared.trace.horizonS,
      totalRequests: prepared.trace.totalRequests,
      agents: prepared.trace.agents.map((a) => ({
        agent: a.agent,
        seed: a.seed.toString(),
        requests: a.arrivals.length,
        phases: a.phases,
      })),
    },
  };
}

/** Writes `results_<run_name>.txt` and `.json` under `outDir`; returns their paths. */
export function writeTrialFiles(outDir: string, prepared: PreparedBench, trial: TrialResult): string[] {
  const txt = join(outDir, `results_${trial.runName}.txt`);
  const json = join(outDir, `results_${trial.runName}.json`);
  writeFileAtomic(txt, trialText(prepared, trial));
  writeFileAtomic(json, `${JSON.stringify(trialJson(prepared, trial), null, 2)}\n`);
  return [txt, json];
}

/** What a comparison needs of one trial (the contracts' BenchEntry: it passes through Temporal). */
export function comparisonEntry(t: TrialResult): BenchEntry {
  return {
    policy: t.policy,
    runName: t.runName,
    steps: t.steps,
    start: t.start,
    reward: { total: t.reward.total, ...rewardParts(t.reward) },
    energy: {
      totalJ: t.energy.totalEnergyJ,
      edpJs: t.energy.edpJs,
      agents: t.energy.agents.map((a) => ({ agent: a.agent, energyJ: a.energyJ, edpJs: a.edpJs })),
    },
    agents: t.agents.map((a) => ({
      agent: a.agent,
      completedRequests: a.completedRequests,
      ...(a.unfinishedRequests !== undefined ? { unfinishedRequests: a.unfinishedRequests } : {}),
      meanTtftS: a.meanTtftS,
      ttftPercentilesS: a.ttftPercentilesS,
      tpotQuartilesS: a.tpotQuartilesS,
      avgWaitingQueue: a.avgWaitingQueue,
      splitCount: a.splitCount,
      mergeCount: a.mergeCount,
      transferCount: a.transferCount,
    })),
  };
}

/** Energy and EDP per policy: the cluster's, then each agent's (kJ, kJ·s). */
export function energyTable(trials: readonly BenchEntry[]): string {
  const kj = (j: number) => (j / 1000).toFixed(1);
  const agentNames = [...new Set(trials.flatMap((t) => t.energy?.agents.map((a) => a.agent) ?? []))];
  const header = [
    'policy',
    'energy (kJ)',
    'EDP (kJ·s)',
    ...agentNames.flatMap((a) => [`${a} kJ`, `${a} EDP`]),
  ];
  const rows = trials.map((t) => {
    const e = t.energy;
    if (!e) return [t.policy, '—', '—', ...agentNames.flatMap(() => ['—', '—'])];
    return [
      t.policy,
      kj(e.totalJ),
      kj(e.edpJs),
      ...agentNames.flatMap((n) => {
        const a = e.agents.find((x) => x.agent === n);
        return a ? [kj(a.energyJ), kj(a.edpJs)] : ['—', '—'];
      }),
    ];
  });
  return markdownTable(header, rows);
}

const formatReward = (r: BenchEntry['reward']): string => (r ? r.total.toFixed(1) : '—');

/** One row per (policy, agent): the numbers people compare policies by, and the policy's training reward. */
export function comparisonTable(trials: readonly BenchEntry[]): string {
  const rows: TableRow[] = [];
  trials.forEach((t, k) => {
    if (k > 0) rows.push('separator');
    t.agents.forEach((a, i) => {
      rows.push([
        i === 0 ? t.policy : '',
        i === 0 ? formatReward(t.reward) : '',
        a.agent,
        a.unfinishedRequests
          ? `${a.completedRequests} (+${a.unfinishedRequests} unfinished)`
          : String(a.completedRequests),
        a.meanTtftS.toFixed(3),
        formatTtft(a.ttftPercentilesS),
        formatTpot(a.tpotQuartilesS),
        formatAvgQueue(a.avgWaitingQueue),
        `${a.splitCount}/${a.mergeCount}/${a.transferCount}`,
      ]);
    });
  });
  const table = fancyOutline(
    [
      'Policy',
      'Reward',
      'Agent',
      'Done',
      'TTFT mean (s)',
      'TTFT P25/50/75/99 (s)',
      'TPOT P25/50/75 (s)',
      'Avg Q',
      'S/M/T',
    ],
    rows,
  );
  return `${table}${startRuleFooter(trials)}`;
}

/** Under the table: the start rule of its trials (one line, or one per rule when they differ); none for old entries. */
function startRuleFooter(trials: readonly BenchEntry[]): string {
  const rules = [...new Set(trials.map((t) => t.start).filter((s) => s !== undefined))];
  if (rules.length === 0) return '';
  if (rules.length === 1) return `\nStart rule: ${startRuleText(rules[0]!)}`;
  return rules
    .map(
      (r) =>
        `\nStart rule ${r} (${trials
          .filter((t) => t.start === r)
          .map((t) => t.policy)
          .join(', ')}): ${startRuleText(r)}`,
    )
    .join('');
}

export function writeComparison(outDir: string, trials: readonly TrialResult[]): string[] {
  return writeComparisonEntries(outDir, trials.map(comparisonEntry));
}

/** comparison.txt (the table) and comparison.json (the entries) under `outDir`; returns their paths. */
export function writeComparisonEntries(outDir: string, entries: readonly BenchEntry[]): string[] {
  const txt = join(outDir, 'comparison.txt');
  const json = join(outDir, 'comparison.json');
  writeFileAtomic(txt, `${comparisonTable(entries)}\n`);
  writeFileAtomic(json, `${JSON.stringify(entries, null, 2)}\n`);
  return [txt, json];
}
