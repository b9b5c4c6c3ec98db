/**
 * One agent's serving numbers with the reference's definitions (spec §5), and the text table they are shown in:
 * the simulated benchmark computes them per trial, a live deployment per run, and both print the same rows.
 */
import type { PatternName } from '../config/index.js';
import { LOGICAL_PROFILES } from '../mig/index.js';
import { fancyOutline } from './text-table.js';

/** How long reconfigurations took to clear an agent's queue (spec §5.3). */
export interface RecoverySummary {
  readonly nEpisodes: number;
  readonly nAnalyzed: number;
  readonly nOverlapping: number;
  readonly nPatternShift: number;
  readonly nUncleared: number;
  /** P25/50/75/90 of trigger → queue empty, seconds; zeros when nothing was analysed. */
  readonly totalQuartilesS: readonly number[];
  readonly maxTotalS: number;
  readonly medianDrainS: number;
  readonly medianBootS: number;
  readonly medianClearS: number;
  readonly medianTotalS: number;
}

export interface AgentMetrics {
  readonly agent: string;
  readonly completedRequests: number;
  /**
   * Requests not finished when the trial ended (after its flush), counted in the TTFT figures with their wait
   * censored at the end. Present only under the KV-capacity rule, whose parked requests may never be served.
   */
  readonly unfinishedRequests?: number;
  /** P25/50/75/99, seconds. */
  readonly ttftPercentilesS: readonly number[];
  readonly meanTtftS: number;
  /** P25/50/75, seconds per token. */
  readonly tpotQuartilesS: readonly number[];
  readonly avgWaitingQueue: number;
  readonly splitCount: number;
  readonly mergeCount: number;
  readonly transferCount: number;
  /** Engine-steps per logical profile (7G … 1S) / decisions × 100; can exceed 100. */
  readonly migExistencePct: readonly number[];
  /** Share of generated tokens per logical profile; null when the agent generated none. */
  readonly tokensByMigPct: readonly number[] | null;
  /** Same, split by the pattern active at each request's arrival; zeros where a pattern had no tokens. */
  readonly tokensByPatternPct: Readonly<Record<PatternName, readonly number[]>>;
  readonly recovery: RecoverySummary;
}

const fixed = (digits: number) => (x: number) => x.toFixed(digits);

export const formatTtft = (p: readonly number[]): string => p.map(fixed(3)).join('/');
export const formatTpot = formatTtft;
export const formatAvgQueue = (q: number): string => q.toFixed(3);

export function formatProfileShares(pcts: readonly number[] | null): string {
  if (pcts === null) return '';
  return LOGICAL_PROFILES.map((p, i) => `${p}: ${(pcts[i] ?? 0).toFixed(1)}%`).join('\n');
}

export function formatRecovery(rc: RecoverySummary): string {
  if (rc.nAnalyzed === 0) {
    const dropped = rc.nOverlapping + rc.nPatternShift + rc.nUncleared;
    return rc.nEpisodes === 0 ? 'n/a' : `0/${rc.nEpisodes} usable (${dropped} dropped)`;
  }
  return [
    'clear P25/50/75/90:',
    `  ${rc.totalQuartilesS.map(fixed(1)).join('/')}`,
    `max: ${rc.maxTotalS.toFixed(0)}s`,
    `n=${rc.nAnalyzed}/${rc.nEpisodes}`,
    `  overlap ${rc.nOverlapping}, pattern ${rc.nPatternShift}`,
    `  uncleared ${rc.nUncleared}`,
  ].join('\n');
}

export const METRIC_ROWS = [
  'TTFT (P25/50/75/99)',
  'TPOT (P25/50/75)',
  'Avg Q',
  'S/M/T',
  'MIG Existence (%)',
  'Tokens by MIG (%)',
  'Queue Clear Time (s)',
] as const;

/** The seven cells of one agent's column, in `METRIC_ROWS` order. */
export function metricCells(m: AgentMetrics): string[] {
  return [
    formatTtft(m.ttftPercentilesS),
    formatTpot(m.tpotQuartilesS),
    formatAvgQueue(m.avgWaitingQueue),
    `${m.splitCount}/${m.mergeCount}/${m.transferCount}`,
    formatProfileShares(m.migExistencePct),
    formatProfileShares(m.tokensByMigPct),
    formatRecovery(m.recovery),
  ];
}

export function aggregateTable(agents: readonly AgentMetrics[]): string {
  const cols = agents.map(metricCells);
  const rows = METRIC_ROWS.map((label, i) => [label, ...cols.map((c) => c[i]!)]);
  return fancyOutline(['Metric', ...agents.map((a) => a.agent)], rows);
}
