/**
 * The benchmark's per-agent numbers with the reference's definitions (spec §5): TTFT and TPOT percentiles over
 * the requests harvested at each tick, the decision-point mean of waiting requests, split/merge/transfer counts
 * charged to the giver, engine-step presence per slice kind, token shares per slice kind (overall and by the
 * arrival's pattern) and how long each reconfiguration took to clear the agent's queue.
 */
import type { PatternName } from '../config/index.js';
import { PATTERN_ORDER } from '../config/index.js';
import { type AgentMetrics, percentile, percentiles, type RecoverySummary } from '../report/index.js';
import {
  EngineStatus,
  LOGICAL_PROFILE_COUNT,
  type ReconfigEpisode,
  type SimAction,
  type SimRequest,
  type Simulator,
} from '../sim/index.js';
import { activePattern, type WorkloadPhase } from '../workload/index.js';

/** Recovery is watched at most this long after an action. */
export const RECOVERY_HORIZON_S = 900;
/** Flush steps after the last decision before giving up. */
export const FLUSH_STEP_LIMIT = 1000;

/** TTFT as the reference reads it: first token, else finish, else 0 (a zero time counts as missing). */
export function benchTtftS(r: SimRequest): number {
  if (r.firstTokenTimeS > 0) return r.firstTokenTimeS - r.arrivalTimeS;
  if (r.finishTimeS > 0) return r.finishTimeS - r.arrivalTimeS;
  return 0;
}

export interface RecoveryInput {
  readonly episodes: readonly ReconfigEpisode[];
  /** Agent names by index (ties in trigger time sort by name). */
  readonly agentNames: readonly string[];
  /** Per agent: (time, waiting) samples. */
  readonly queueTraces: readonly (readonly (readonly [number, number])[])[];
  readonly phases: readonly (readonly WorkloadPhase[])[];
  readonly finalTimeS: number;
}

/** Queue-clear time per agent after each reconfiguration that can be attributed to it (spec §5.3). */
export function reconfigRecovery(input: RecoveryInput): RecoverySummary[] {
  const sorted = [...input.episodes].sort(
    (a, b) =>
      a.tTriggerS - b.tTriggerS ||
      (input.agentNames[a.agent]! < input.agentNames[b.agent]!
        ? -1
        : input.agentNames[a.agent]! > input.agentNames[b.agent]!
          ? 1
          : 0),
  );
  return input.agentNames.map((_, agent) => {
    const mine = sorted.filter((e) => e.agent === agent);
    const trace = input.queueTraces[agent] ?? [];
    const phases = input.phases[agent] ?? [];
    let overlapping = 0;
    let patternShift = 0;
    let uncleared = 0;
    const totals: number[] = [];
    const drains: number[] = [];
    const boots: number[] = [];
    const clears: number[] = [];
    mine.forEach((e, i) => {
      if (e.interrupted || e.tBootDoneS === null || e.tDrainDoneS === null) {
        overlapping++;
        return;
      }
      const next = mine[i + 1]?.tTriggerS ?? Number.POSITIVE_INFINITY;
      const tEnd = Math.min(next, e.tTriggerS + RECOVERY_HORIZON_S);
      if (tEnd <= e.tTriggerS) {
        overlapping++;
        return;
      }
      const p0 = activePattern(phases, e.tTriggerS);
      if (
        activePattern(phases, e.tBootDoneS) !== p0 ||
        activePattern(phases, Math.min(tEnd, input.finalTimeS)) !== p0
      ) {
        patternShift++;
        return;
      }
      const cleared = trace.find(([t, n]) => t >= e.tTriggerS && t <= tEnd && n === 0);
      if (cleared === undefined) {
        uncleared++;
        return;
      }
      totals.push(cleared[0] - e.tTriggerS);
      drains.push(e.tDrainDoneS - e.tTriggerS);
      boots.push(e.tBootDoneS - e.tDrainDoneS);
      clears.push(Math.max(0, cleared[0] - e.tBootDoneS));
    });
    return {
      nEpisodes: mine.length,
      nAnalyzed: totals.length,
      nOverlapping: overlapping,
      nPatternShift: patternShift,
      nUncleared: uncleared,
      totalQuartilesS: percentiles(totals, [25, 50, 75, 90]),
      maxTotalS: totals.length > 0 ? Math.max(...totals) : 0,
      medianDrainS: percentile(drains, 50),
      medianBootS: percentile(boots, 50),
      medianClearS: percentile(clears, 50),
      medianTotalS: percentile(totals, 50),
    };
  });
}

/** One logged reconfiguration: decision time and kind. */
export interface ActionLogEntry {
  readonly timeS: number;
  readonly action: number;
  readonly kind: SimAction['kind'];
  readonly giver: number;
  readonly receiver?: number;
}

/** Accumulates the per-tick statistics of one trial. */
export class BenchStats {
  readonly queueLengthsSum: number[];
  readonly presence: number[][];
  readonly completed: Map<number, SimRequest>[];
  readonly splitCount: number[];
  readonly mergeCount: number[];
  readonly transferCount: number[];
  readonly actionLog: ActionLogEntry[] = [];
  readonly tickTimesS: number[] = [];
  /**
   * Per agent, every request seen arriving — kept only when `countUnfinished` is on (the KV-capacity rule, whose
   * parked requests may never be served): a request that has not finished when the trial ends then counts in the
   * TTFT figures censored at the trial's end instead of vanishing from them.
   */
  private readonly arrived: Map<number, SimRequest>[] | null;

  constructor(
    readonly agentCount: number,
    countUnfinished = false,
  ) {
    this.arrived = countUnfinished ? Array.from({ length: agentCount }, () => new Map()) : null;
    this.queueLengthsSum = new Array<number>(agentCount).fill(0);
    this.presence = Array.from({ length: agentCount }, () =>
      new Array<number>(LOGICAL_PROFILE_COUNT).fill(0),
    );
    this.completed = Array.from({ length: agentCount }, () => new Map());
    this.splitCount = new Array<number>(agentCount).fill(0);
    this.mergeCount = new Array<number>(agentCount).fill(0);
    this.transferCount = new Array<number>(agentCount).fill(0);
  }

  /** Before the step: charges a resolvable action to its giver (the owner of its first source slice). */
  recordAction(sim: Simulator, index: number, action: SimAction | null | undefined): void {
    if (!action) return;
    const giver = sim.gpuEngines(action.gpu)[action.sources[0]!]!.owner;
    this.actionLog.push({
      timeS: sim.nowS,
      action: index,
      kind: action.kind,
      giver,
      ...(action.receiver !== undefined ? { receiver: action.receiver } : {}),
    });
    if (action.kind === 'split') this.splitCount[giver]!++;
    else if (action.kind === 'merge') this.mergeCount[giver]!++;
    if (action.receiver !== undefined) this.transferCount[giver]!++;
  }

  /** After a step: queue snapshot (not during the flush), presence of non-permanent engines, harvest. */
  tick(sim: Simulator, countQueue: boolean): void {
    if (countQueue) this.tickTimesS.push(sim.nowS);
    sim.agents.forEach((agent, a) => {
      for (const e of agent.engines) {
        if (countQueue && e.status !== EngineStatus.Booting) this.queueLengthsSum[a]! += e.waiting.length;
        if (!e.permanent) this.presence[a]![e.logical]!++;
      }
    });
    sim.metrics.intervalRequests.forEach((list, a) => {
      const map = this.completed[a]!;
      for (const r of list) if (r.finished && r.servingEngine !== null) map.set(r.id, r);
      const seen = this.arrived?.[a];
      if (seen) for (const r of list) seen.set(r.id, r);
    });
  }

  /** The per-agent table of the trial. */
  summarize(o: {
    agentNames: readonly string[];
    decisions: number;
    phases: readonly (readonly WorkloadPhase[])[];
    recovery: readonly RecoverySummary[];
    /** When the trial ended (after the flush): the censoring time of unfinished requests. */
    endTimeS?: number;
  }): AgentMetrics[] {
    return o.agentNames.map((agent, a) => {
      const ttfts: number[] = [];
      // Unfinished requests (only counted with `countUnfinished`): TTFT to their first token, else censored at the
      // trial's end — a lower bound of what they would have waited.
      let unfinished = 0;
      const seen = this.arrived?.[a];
      if (seen) {
        const done = this.completed[a]!;
        const endS = o.endTimeS ?? 0;
        for (const r of seen.values()) {
          if (done.has(r.id)) continue;
          unfinished++;
          ttfts.push(
            r.firstTokenTimeS > 0 ? r.firstTokenTimeS - r.arrivalTimeS : Math.max(0, endS - r.arrivalTimeS),
          );
        }
      }
      const tpots: number[] = [];
      const overall = new Array<number>(LOGICAL_PROFILE_COUNT).fill(0);
      const byPattern = Object.fromEntries(
        PATTERN_ORDER.map((p) => [p, new Array<number>(LOGICAL_PROFILE_COUNT).fill(0)]),
      ) as Record<PatternName, number[]>;
      for (const r of this.completed[a]!.values()) {
        ttfts.push(benchTtftS(r));
        if (r.generatedTokens > 0 && r.decodeTimeS > 0) tpots.push(r.decodeTimeS / r.generatedTokens);
        const logical = r.servingEngine!.logical;
        overall[logical]! += r.generatedTokens;
        const pattern = activePattern(o.phases[a] ?? [], r.arrivalTimeS);
        if (pattern !== undefined) byPattern[pattern][logical]! += r.generatedTokens;
      }
      const share = (xs: readonly number[]): number[] => {
        const total = xs.reduce((s, x) => s + x, 0);
        return xs.map((x) => (total > 0 ? (x / total) * 100 : 0));
      };
      const overallTotal = overall.reduce((s, x) => s + x, 0);
      return {
        agent,
        completedRequests: ttfts.length - unfinished,
        ...(seen ? { unfinishedRequests: unfinished } : {}),
        ttftPercentilesS: percentiles(ttfts, [25, 50, 75, 99]),
        meanTtftS: ttfts.length > 0 ? ttfts.reduce((s, x) => s + x, 0) / ttfts.length : 0,
        tpotQuartilesS: percentiles(tpots, [25, 50, 75]),
        avgWaitingQueue: this.queueLengthsSum[a]! / o.decisions,
        splitCount: this.splitCount[a]!,
        mergeCount: this.mergeCount[a]!,
        transferCount: this.transferCount[a]!,
        migExistencePct: this.presence[a]!.map((c) => (c / o.decisions) * 100),
        tokensByMigPct: overallTotal > 0 ? share(overall) : null,
        tokensByPatternPct: Object.fromEntries(PATTERN_ORDER.map((p) => [p, share(byPattern[p])])) as Record<
          PatternName,
          number[]
        >,
        recovery: o.recovery[a]!,
      };
    });
  }
}
