/**
 * Per-interval statistics the RL observation and reward read (the reference's environment state):
 * waiting/running time integrals per agent and slot with their one-event lag, the interval request
 * lists, arrival-rate history, "steps since" counters, the action budget and the queue trace.
 * The simulator calls the `on…`/`record…` hooks; nothing here schedules anything.
 */
import { EngineStatus, PERMANENT_SLOT, SLOT_COUNT } from './constants.js';
import type { SimAgent } from './entities/agent.js';
import type { SimEngine } from './entities/engine.js';
import type { SimRequest } from './entities/request.js';

export const ActionHistoryKey = { Split: 0, Merge: 1, Give: 2, Receive: 3 } as const;
export type ActionHistoryKey = (typeof ActionHistoryKey)[keyof typeof ActionHistoryKey];

export interface MetricsOptions {
  readonly agentCount: number;
  readonly actionIntervalS: number;
  readonly historyLength: number;
  /** "Steps since" counters start here at every reset (`action_cooldown`). */
  readonly cooldownSteps: number;
  readonly budgetS: number;
  /** Keep the per-agent (time, waiting) trace; it grows for the whole life of the simulator. */
  readonly queueTrace: boolean;
  readonly queueTraceResolutionS: number;
}

export class SimMetrics {
  readonly n: number;
  /** [agent × 7] time integrals of waiting-queue length and running-set size over the interval. */
  readonly queueIntegral: Float64Array;
  readonly runningIntegral: Float64Array;
  /** [agent × 7] the counts in force since the last advance (the state just before that event). */
  readonly lastQueue: Int32Array;
  readonly lastRunning: Int32Array;
  /** Raw rate of the previous interval; NaN when unset (first interval of an episode). */
  readonly lastArrivalRate: Float64Array;
  /** [agent × 7] average waiting of the previous interval; valid where `hasLastAvgQueue`. */
  readonly lastAvgQueue: Float64Array;
  readonly hasLastAvgQueue: Uint8Array;
  /** [agent × H] raw rates of previous intervals, newest first. Never cleared by a reset. */
  readonly arrivalRateHistory: Float64Array;
  /** Per agent: requests that arrived this interval plus those carried over in queues. */
  readonly intervalRequests: SimRequest[][];
  /** [agent × 4] steps since split, merge, give, receive. */
  readonly stepsSince: Int32Array;
  /** [agent × 4] moved profile size for give/receive (index Give, Receive). */
  readonly amounts: Int32Array;
  /** [sender × receiver] steps since `sender` gave to `receiver` (enum order on both axes). */
  readonly giveToSteps: Int32Array;
  readonly pendingArrivals: Int32Array;
  /** Per agent: sample times and waiting counts, one sample per ≥ resolution seconds. */
  readonly queueTraceTimesS: number[][];
  readonly queueTraceWaiting: number[][];
  budgetS: number;
  /**
   * Set by the simulator whenever a waiting/running count, an engine status or an engine list may have
   * changed; the per-event snapshot is recomputed only then (it is the hot path's largest fixed cost).
   */
  countsDirty = true;
  reconfigFlag = false;
  lastActionDowntimeS = 0;
  private lastAdvanceS = 0;
  /**
   * The slots where the last snapshot has waiting or running requests. Only they move the integrals: adding
   * 0 · dt leaves a value unchanged, so skipping the others gives the same numbers for a fraction of the work.
   */
  private readonly activeSlots: Int32Array;
  private activeSlotCount = 0;
  /** 1 for the slots in `activeSlots` (which may include slots whose counts fell back to zero since: harmless). */
  private readonly slotListed: Uint8Array;
  /**
   * The one engine whose counts changed since the last advance, when that is the only change (an arrival's dispatch,
   * an engine step): its slot is updated by the difference instead of a snapshot over every engine. Any other change
   * sets `countsDirty`, which takes the full snapshot.
   */
  private dirtyEngine: SimEngine | null = null;
  /** Number of the last full snapshot: an engine's `snap…` fields are current when its `snapEpoch` equals it. */
  private snapEpoch = 0;

  constructor(readonly options: MetricsOptions) {
    const n = options.agentCount;
    this.n = n;
    this.queueIntegral = new Float64Array(n * SLOT_COUNT);
    this.runningIntegral = new Float64Array(n * SLOT_COUNT);
    this.lastQueue = new Int32Array(n * SLOT_COUNT);
    this.lastRunning = new Int32Array(n * SLOT_COUNT);
    this.activeSlots = new Int32Array(n * SLOT_COUNT);
    this.slotListed = new Uint8Array(n * SLOT_COUNT);
    this.lastArrivalRate = new Float64Array(n).fill(Number.NaN);
    this.lastAvgQueue = new Float64Array(n * SLOT_COUNT);
    this.hasLastAvgQueue = new Uint8Array(n);
    this.arrivalRateHistory = new Float64Array(n * options.historyLength);
    this.intervalRequests = Array.from({ length: n }, () => []);
    this.stepsSince = new Int32Array(n * 4).fill(options.cooldownSteps);
    this.amounts = new Int32Array(n * 4);
    this.giveToSteps = new Int32Array(n * n).fill(options.cooldownSteps);
    this.pendingArrivals = new Int32Array(n);
    this.queueTraceTimesS = Array.from({ length: n }, () => []);
    this.queueTraceWaiting = Array.from({ length: n }, () => []);
    this.budgetS = options.budgetS;
  }

  onArrival(r: SimRequest): void {
    this.intervalRequests[r.agent]!.push(r);
    if (this.pendingArrivals[r.agent]! > 0) this.pendingArrivals[r.agent]!--;
  }

  /** Raw arrivals per second over [now − interval, now] among the interval requests. */
  arrivalRate(agent: number, nowS: number): number {
    const from = nowS - this.options.actionIntervalS;
    let count = 0;
    for (const r of this.intervalRequests[agent]!) if (r.arrivalTimeS >= from) count++;
    return count / this.options.actionIntervalS;
  }

  /** Raw average waiting (or running) count in one slot: the integral over the full interval length. */
  avgQueue(agent: number, slot: number): number {
    return this.queueIntegral[agent * SLOT_COUNT + slot]! / this.options.actionIntervalS;
  }

  avgRunning(agent: number, slot: number): number {
    return this.runningIntegral[agent * SLOT_COUNT + slot]! / this.options.actionIntervalS;
  }

  /**
   * Closes an interval at a trigger: stores this interval's rate and queue averages as "last", pushes the
   * rate into the history (not at t = 0, where "last" is unset instead), zeroes the integrals and re-seeds
   * each interval list with the requests still queued or running on the agent's engines.
   */
  resetForNextInterval(nowS: number, agents: readonly SimAgent[]): void {
    const H = this.options.historyLength;
    for (let a = 0; a < this.n; a++) {
      if (nowS === 0) {
        this.lastArrivalRate[a] = Number.NaN;
        this.hasLastAvgQueue[a] = 0;
      } else {
        const rate = this.arrivalRate(a, nowS);
        this.lastArrivalRate[a] = rate;
        for (let s = 0; s < SLOT_COUNT; s++) this.lastAvgQueue[a * SLOT_COUNT + s] = this.avgQueue(a, s);
        this.hasLastAvgQueue[a] = 1;
        for (let h = H - 1; h > 0; h--)
          this.arrivalRateHistory[a * H + h] = this.arrivalRateHistory[a * H + h - 1]!;
        if (H > 0) this.arrivalRateHistory[a * H] = rate;
      }
      this.queueIntegral.fill(0, a * SLOT_COUNT, (a + 1) * SLOT_COUNT);
      this.runningIntegral.fill(0, a * SLOT_COUNT, (a + 1) * SLOT_COUNT);
      const list = this.intervalRequests[a]!;
      list.length = 0;
      const agent = agents[a];
      if (agent === undefined) continue;
      for (const e of agent.engines) {
        for (let i = 0; i < e.waiting.length; i++) list.push(e.waiting.at(i));
        for (const r of e.prefilling) list.push(r);
        for (const r of e.decoding) list.push(r);
      }
    }
    this.snapshot(agents);
    this.lastAdvanceS = nowS;
  }

  /**
   * Integrates the counts in force since the last advance up to the clock `at.nowS`, then snapshots the current
   * counts: called before an event is handled (with the clock already at its time), so each span uses the state just
   * before its event. The time comes in an object, not as a number: a double passed to a call that V8 does not
   * inline is boxed, one allocation per event.
   */
  recordAdvance(at: { readonly nowS: number; readonly agents: readonly SimAgent[] }): void {
    const nowS = at.nowS;
    const agents = at.agents;
    const dt = nowS - this.lastAdvanceS;
    if (dt > 0) {
      const active = this.activeSlots;
      for (let j = 0; j < this.activeSlotCount; j++) {
        const i = active[j]!;
        this.queueIntegral[i]! += this.lastQueue[i]! * dt;
        this.runningIntegral[i]! += this.lastRunning[i]! * dt;
      }
    }
    this.lastAdvanceS = nowS;
    if (this.countsDirty) this.snapshot(agents);
    else if (this.dirtyEngine !== null) this.updateEngine(this.dirtyEngine, agents);
    if (!this.options.queueTrace) return;
    for (let a = 0; a < this.n; a++) {
      const times = this.queueTraceTimesS[a]!;
      const last = times[times.length - 1];
      if (last === undefined || nowS - last >= this.options.queueTraceResolutionS) {
        let waiting = 0;
        for (let s = 0; s < SLOT_COUNT; s++) waiting += this.lastQueue[a * SLOT_COUNT + s]!;
        times.push(nowS);
        this.queueTraceWaiting[a]!.push(waiting);
      }
    }
  }

  /** The counts of this engine (and only these) may have changed; see `dirtyEngine`. */
  markEngineDirty(engine: SimEngine): void {
    if (this.countsDirty) return;
    if (this.dirtyEngine === null || this.dirtyEngine === engine) this.dirtyEngine = engine;
    else this.countsDirty = true;
  }

  /** Applies one engine's change in counts to its slot, or takes a full snapshot when it was not in the last one. */
  private updateEngine(e: SimEngine, agents: readonly SimAgent[]): void {
    this.dirtyEngine = null;
    if (e.snapEpoch !== this.snapEpoch) {
      this.snapshot(agents);
      return;
    }
    const waiting = e.waiting.length;
    const runningCount = e.runningCount;
    const dw = waiting - e.snapWaiting;
    const dr = runningCount - e.snapRunning;
    if (dw === 0 && dr === 0) return;
    const slot = e.snapSlot;
    if (this.slotListed[slot] === 0) {
      this.slotListed[slot] = 1;
      this.activeSlots[this.activeSlotCount++] = slot;
    }
    this.lastQueue[slot]! += dw;
    this.lastRunning[slot]! += dr;
    e.snapWaiting = waiting;
    e.snapRunning = runningCount;
  }

  private snapshot(agents: readonly SimAgent[]): void {
    this.countsDirty = false;
    this.dirtyEngine = null;
    const epoch = ++this.snapEpoch;
    const queue = this.lastQueue;
    const running = this.lastRunning;
    const active = this.activeSlots;
    const listed = this.slotListed;
    // Only the previously active slots can be non-zero.
    for (let j = 0; j < this.activeSlotCount; j++) {
      const i = active[j]!;
      queue[i] = 0;
      running[i] = 0;
      listed[i] = 0;
    }
    let count = 0;
    for (let a = 0; a < this.n; a++) {
      const agent = agents[a];
      if (agent === undefined) continue;
      const engines = agent.engines;
      for (let k = 0; k < engines.length; k++) {
        const e = engines[k]!;
        if (e.status === EngineStatus.Booting) continue;
        const waiting = e.waiting.length;
        const runningCount = e.runningCount;
        const slot = a * SLOT_COUNT + (e.permanent ? PERMANENT_SLOT : e.logical);
        e.snapEpoch = epoch;
        e.snapSlot = slot;
        e.snapWaiting = waiting;
        e.snapRunning = runningCount;
        if (waiting === 0 && runningCount === 0) continue;
        if (listed[slot] === 0) {
          listed[slot] = 1;
          active[count++] = slot;
        }
        queue[slot]! += waiting;
        running[slot]! += runningCount;
      }
    }
    this.activeSlotCount = count;
  }

  /** Every "steps since" counter advances by one at each trigger. */
  advanceAllLastActions(): void {
    for (let i = 0; i < this.stepsSince.length; i++) this.stepsSince[i]!++;
    for (let i = 0; i < this.giveToSteps.length; i++) this.giveToSteps[i]!++;
  }

  resetLastActions(): void {
    this.stepsSince.fill(this.options.cooldownSteps);
    this.amounts.fill(0);
    this.giveToSteps.fill(this.options.cooldownSteps);
  }

  setLastAction(agent: number, key: ActionHistoryKey, amount = 0, receiver?: number): void {
    this.stepsSince[agent * 4 + key] = 0;
    if (key === ActionHistoryKey.Give || key === ActionHistoryKey.Receive)
      this.amounts[agent * 4 + key] = amount;
    if (key === ActionHistoryKey.Give && receiver !== undefined)
      this.giveToSteps[agent * this.n + receiver] = 0;
  }

  stepsSinceAction(agent: number, key: ActionHistoryKey): number {
    return this.stepsSince[agent * 4 + key]!;
  }

  stepsSinceGive(sender: number, receiver: number): number {
    return this.giveToSteps[sender * this.n + receiver]!;
  }

  refreshBudget(): void {
    this.budgetS = this.options.budgetS;
  }
}
