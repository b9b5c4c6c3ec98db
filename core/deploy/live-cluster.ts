/**
 * What the worker knows about the running deployment during one decision window: every slot (real MIG slices and
 * the permanent engines) with its engine's address, readiness and latest /metrics sample, plus the per-interval
 * samples the observation is built from (1 Hz scrapes, arrivals, completions). The dashboard reads it live.
 */
import type { DeployPhase } from '../../contracts/index.js';
import type { AgentName } from '../mig/index.js';
import { PERMANENT_SLOT, profileIdx } from '../mig/index.js';
import type { ActionRecord, DeployState, FaultRecord, SlotPlan } from './deploy-state.js';
import type { VllmMetrics } from './vllm-metrics.js';

export interface LiveSlot {
  plan: SlotPlan;
  port: number;
  baseUrl: string;
  uuid?: string;
  container?: string;
  /** The id the engine serves (from /v1/models). */
  servedModel?: string;
  ready: boolean;
  draining: boolean;
  restarting: boolean;
  metrics?: VllmMetrics;
  /** Requests this worker has in flight on the slot. */
  inFlight: number;
}

/** Index of a slot's per-profile observation bucket (permanent engines share index 6). */
export function bucketOf(slot: LiveSlot): number {
  return slot.plan.permanent ? PERMANENT_SLOT : profileIdx(slot.plan.logical);
}

interface IntervalSamples {
  arrivals: number;
  queue: number[][];
  running: number[][];
  kv: number[][];
}

function emptySamples(): IntervalSamples {
  return {
    arrivals: 0,
    queue: Array.from({ length: 7 }, () => []),
    running: Array.from({ length: 7 }, () => []),
    kv: Array.from({ length: 7 }, () => []),
  };
}

export interface LiveEvent {
  atS: number;
  text: string;
}

export class LiveCluster {
  slots: LiveSlot[] = [];
  readonly samples = new Map<AgentName, IntervalSamples>();
  /** Series for the report: per agent, 1 Hz mean waiting per slot and mean positive TPOT. */
  readonly queueSeries = new Map<AgentName, number[]>();
  readonly tpotSeries = new Map<AgentName, number[]>();
  /** Ready-slot seconds per logical profile short name. */
  readonly existenceS: Record<string, number> = {};
  observedS = 0;
  readonly events: LiveEvent[] = [];
  /** Requests dispatched / finished in this window (dashboard progress). */
  dispatched = 0;
  finished = 0;
  totalPlanned = 0;
  phase: DeployPhase = 'starting';
  /** While reconfiguring: what is being reconfigured (the pending action's details). */
  phaseDetail = '';

  constructor(
    readonly state: DeployState,
    readonly agents: readonly AgentName[],
    readonly startedAtMs: number,
    /** Run seconds at which this window started. */
    readonly windowStartS: number,
  ) {
    for (const a of agents) {
      this.samples.set(a, emptySamples());
      this.queueSeries.set(a, []);
      this.tpotSeries.set(a, []);
    }
  }

  /** Seconds since the window began. */
  elapsedS(): number {
    return (Date.now() - this.startedAtMs) / 1000;
  }

  runTimeS(): number {
    return this.windowStartS + this.elapsedS();
  }

  log(text: string): void {
    this.events.push({ atS: Math.round(this.runTimeS() * 10) / 10, text });
    if (this.events.length > 200) this.events.shift();
  }

  fault(f: Omit<FaultRecord, 'atS' | 'window'>): void {
    const rec = { ...f, atS: Math.round(this.runTimeS() * 10) / 10, window: this.state.window };
    this.state.faults.push(rec);
    this.log(`fault (${f.kind}${f.slot ? ` ${f.slot}` : ''}): ${f.message} → ${f.handling}`);
  }

  agentSlots(agent: AgentName): LiveSlot[] {
    return this.slots.filter((s) => s.plan.agent === agent);
  }

  /** Slots that may take a new request of `agent`. */
  candidates(agent: AgentName): LiveSlot[] {
    return this.slots.filter((s) => s.plan.agent === agent && s.ready && !s.draining && !s.restarting);
  }

  noteArrival(agent: AgentName): void {
    const s = this.samples.get(agent);
    if (s) s.arrivals++;
  }

  /** One 1 Hz sample of every slot's latest metrics into the interval's buckets and the report series. */
  recordSample(): void {
    for (const agent of this.agents) {
      const s = this.samples.get(agent)!;
      const per = Array.from({ length: 7 }, () => ({ q: 0, r: 0, kv: 0, n: 0 }));
      let waitingSum = 0;
      let sampled = 0;
      const tpots: number[] = [];
      for (const slot of this.agentSlots(agent)) {
        const m = slot.metrics;
        if (!m) continue;
        const b = per[bucketOf(slot)]!;
        b.q += m.waiting;
        b.r += m.running;
        b.kv += m.kvUsage;
        b.n++;
        waitingSum += m.waiting;
        sampled++;
        if (m.tpotMeanS > 0) tpots.push(m.tpotMeanS);
      }
      per.forEach((b, i) => {
        if (b.n === 0) return;
        s.queue[i]!.push(b.q);
        s.running[i]!.push(b.r);
        s.kv[i]!.push(b.kv / b.n);
      });
      this.queueSeries.get(agent)!.push(sampled > 0 ? waitingSum / sampled : 0);
      if (tpots.length) this.tpotSeries.get(agent)!.push(tpots.reduce((x, y) => x + y, 0) / tpots.length);
    }
    for (const slot of this.slots) {
      if (!slot.ready) continue;
      const name = slot.plan.permanent ? '2G' : slot.plan.logical;
      this.existenceS[name] = (this.existenceS[name] ?? 0) + 1;
    }
    this.observedS += 1;
  }

  /**
   * Interval roll-over (spec §6.3): arrival rate over the window's actual seconds, per-profile means of the
   * 1 Hz samples, action-history counters +1.
   */
  rollOver(windowS: number): void {
    for (const agent of this.agents) {
      const c = this.state.agents[agent]!;
      const s = this.samples.get(agent)!;
      c.arrivalHistory.unshift(windowS > 0 ? s.arrivals / windowS : 0);
      c.arrivalHistory.length = Math.min(c.arrivalHistory.length, 5);
      const mean = (xs: number[]) => (xs.length ? xs.reduce((x, y) => x + y, 0) / xs.length : 0);
      c.prevQueue = c.queue;
      c.queue = s.queue.map(mean);
      c.running = s.running.map(mean);
      c.kv = s.kv.map(mean);
      for (let k = 0; k < 4; k++) c.stepsSince[k]!++;
      for (const r of Object.keys(c.giveTo) as AgentName[]) c.giveTo[r] = (c.giveTo[r] ?? 0) + 1;
      this.samples.set(agent, emptySamples());
    }
  }

  /** A completed request's latency into the agent's rolling buffers. */
  recordCompletion(agent: AgentName, slot: LiveSlot, ttftS: number, tpotS: number, tokens: number): void {
    const c = this.state.agents[agent]!;
    c.latencies.unshift([ttftS, tpotS, bucketOf(slot)]);
    if (c.latencies.length > 100) c.latencies.length = 100;
    c.tpots.unshift(tpotS);
    if (c.tpots.length > 100) c.tpots.length = 100;
    if (tokens > 0) {
      c.avgResponseTokens = (c.avgResponseTokens * c.responseCount + tokens) / (c.responseCount + 1);
      c.responseCount++;
    }
  }

  recentActions(): ActionRecord[] {
    return this.state.actions.slice(-10).reverse();
  }
}
