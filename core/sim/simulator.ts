/**
 * The discrete-event simulator of MIG-sliced LLM serving: one loop that pops the earliest event, advances
 * the clock and lets the event's handler act, stopping at each resource-manager trigger so the caller
 * (the RL env, the bench) can decide. Order, ids, randomness and outputs all belong to the instance.
 */
import { MigflowError } from '../errors.js';
import { predictActionCostS } from './action-cost.js';
import { ArrivalStore } from './arrival-store.js';
import { EventKind } from './constants.js';
import type { SimAgent } from './entities/agent.js';
import { SimEngine } from './entities/engine.js';
import { SimRequest } from './entities/request.js';
import type { ReconfigEpisode } from './episodes.js';
import { EventQueue } from './event-queue.js';
import { handleEngineBootComplete } from './events/engine-boot-complete.js';
import { handleEngineShutdownComplete } from './events/engine-shutdown-complete.js';
import { handleEngineStepComplete } from './events/engine-step-complete.js';
import { handleRagSearchComplete } from './events/rag-search-complete.js';
import { handleRefreshActionBudget } from './events/refresh-action-budget.js';
import { handleRequestArrival } from './events/request-arrival.js';
import { handleResourceManagerTrigger } from './events/resource-manager-trigger.js';
import { dispatchParked } from './kv-dispatch.js';
import type { SimMetrics } from './metrics.js';
import type { ArrivalColumns, ArrivalSpec, InitialEngineSpec, SimClusterSpec, SimRng } from './ports.js';
import type { BootEvent, ShutdownEvent, SimAction } from './reconfig-plan.js';
import { stepIdleEngines } from './serving.js';
import { SimState } from './state.js';
import { type EventPayload, Successors } from './successors.js';

export interface SimulatorOptions {
  readonly cluster: SimClusterSpec;
  /** The single random stream every draw comes from (latencies, drain predictions, RAG delays). */
  readonly rng: SimRng;
  /** Seconds between decisions (`training.action-interval`). @default 120 */
  readonly actionIntervalS?: number;
  /** Full reconfiguration budget (`reconfig.budget`). @default 300 */
  readonly budgetS?: number;
  /** Quiet time after the last action before the budget refills (`reconfig.refresh` × 60). @default 1800 */
  readonly refreshS?: number;
  /** Initial value of every "steps since" counter (`action_cooldown`). @default 10 */
  readonly cooldownSteps?: number;
  /** Length of the arrival-rate history. @default 5 */
  readonly historyLength?: number;
  /** Record the per-agent waiting trace (never cleared; the bench's recovery analysis). @default true */
  readonly queueTrace?: boolean;
  /** @default 1.0 */
  readonly queueTraceResolutionS?: number;
  readonly hooks?: SimHooks;
  /**
   * The KV-capacity rule (core/sim/kv-admission.ts): dispatch only to engines whose KV cache holds the request,
   * park it until one is ACTIVE otherwise. A documented deviation from the reference. @default false
   */
  readonly kvCapacityRule?: boolean;
}

/** Observers; they never change what the simulator does. */
export interface SimHooks {
  /** Every handled event, triggers included; subject = request id, engine id, or -1. */
  onEvent?(timeS: number, kind: EventKind, subjectId: number): void;
  onRequestCompleted?(request: SimRequest, engine: SimEngine): void;
}

export class Simulator {
  readonly cluster: SimClusterSpec;
  readonly metrics: SimMetrics;
  readonly agents: SimAgent[];
  /** Every engine in creation order (the reference's engine map), unused padding engines included. */
  readonly engines: SimEngine[];
  readonly actionIntervalS: number;
  readonly refreshS: number;

  /** What the handlers act on; the simulator adds the queue, the loop and the arrival bookkeeping. */
  private readonly state: SimState;
  private readonly hooks: SimHooks;
  private readonly queue = new EventQueue<EventPayload>();
  /** The one outbox every handler returns its successors through. */
  private readonly out = new Successors();
  private readonly pendingArrivalEvents: Int32Array;
  private readonly maxArrivalTimeS: Float64Array;
  /** Queue handle of the pending budget refresh (at most one: a new one replaces it), or -1. */
  private refreshHandle = -1;
  /** Requests added but not arrived yet (ids, times, agents, items; objects created at arrival). */
  private readonly arrivals = new ArrivalStore();

  constructor(options: SimulatorOptions) {
    this.hooks = options.hooks ?? {};
    this.state = new SimState({
      cluster: options.cluster,
      rng: options.rng,
      actionIntervalS: options.actionIntervalS ?? 120,
      refreshS: options.refreshS ?? 1800,
      metrics: {
        historyLength: options.historyLength ?? 5,
        cooldownSteps: options.cooldownSteps ?? 10,
        budgetS: options.budgetS ?? 300,
        queueTrace: options.queueTrace ?? true,
        queueTraceResolutionS: options.queueTraceResolutionS ?? 1.0,
      },
      onRequestCompleted: this.hooks.onRequestCompleted,
      kvCapacityRule: options.kvCapacityRule === true,
    });
    const s = this.state;
    this.cluster = s.cluster;
    this.metrics = s.metrics;
    this.agents = s.agents;
    this.engines = s.engines;
    this.actionIntervalS = s.actionIntervalS;
    this.refreshS = s.refreshS;
    const n = this.cluster.agents.length;
    this.pendingArrivalEvents = new Int32Array(n);
    this.maxArrivalTimeS = new Float64Array(n);
  }

  /** The global clock: the time of the last handled event. */
  get nowS(): number {
    return this.state.nowS;
  }

  set nowS(t: number) {
    this.state.nowS = t;
  }

  // ---------------------------------------------------------------- setup

  /**
   * Clears events, agents and engines and builds the given layout, all ACTIVE at t = 0; budget full,
   * flag clear, "steps since" counters at the cooldown. The arrival-rate history, the last action's
   * downtime and the queue trace are carried over, as in the reference. `rng` replaces the stream.
   */
  reset(layout: readonly InitialEngineSpec[], rng?: SimRng): void {
    if (rng !== undefined) this.state.rng = rng;
    this.queue.clear();
    this.pendingArrivalEvents.fill(0);
    this.maxArrivalTimeS.fill(0);
    this.refreshHandle = -1;
    this.arrivals.clear();
    this.state.reset(layout);
  }

  /**
   * Schedules the decision points at interval × i, i = 1..count (`max_steps + 1` in training). They go to the
   * queue's bulk lane, in order, as if pushed one by one: the heap then holds only engine and refresh events.
   */
  scheduleTriggers(count: number): void {
    if (count <= 0) return;
    const times = new Float64Array(count);
    const kinds = new Uint8Array(count).fill(EventKind.ResourceManagerTrigger);
    const subjects = new Int32Array(count).fill(-1);
    for (let i = 1; i <= count; i++) {
      const t = i * this.actionIntervalS;
      times[i - 1] = t;
      this.state.triggerTimes.push(t);
    }
    this.queue.pushBulkColumns(times, kinds, subjects, count);
  }

  /**
   * Adds arrivals (and, for the RAG agent, a search completion U(min, max) s later, drawn now in input
   * order after all arrivals are queued). Request ids follow the input order. Requests given as objects
   * (`ArrivalSpec[]`) are created now and returned in input order; those given as columns are created when
   * they arrive (a batch is an episode's worth: created up front they would all outlive the young generation).
   */
  addArrivals(arrivals: readonly ArrivalSpec[]): SimRequest[];
  addArrivals(arrivals: readonly ArrivalSpec[] | ArrivalColumns): SimRequest[] | undefined;
  addArrivals(arrivals: readonly ArrivalSpec[] | ArrivalColumns): SimRequest[] | undefined {
    const columns = 'arrivalTimesS' in arrivals ? arrivals : undefined;
    const specs = columns ? undefined : (arrivals as readonly ArrivalSpec[]);
    const n = columns ? columns.arrivalTimesS.length : specs!.length;
    const created = specs ? new Array<SimRequest>(n) : undefined;
    const store = this.arrivals;
    const firstId = store.size;
    const stopTimes = this.state.stopTimes;
    let ragCount = 0;
    store.reserve(n);
    for (let i = 0; i < n; i++) {
      const agentIndex = columns ? columns.agents[i]! : specs![i]!.agent;
      const agent = this.agents[agentIndex];
      if (agent === undefined) {
        throw new MigflowError(`arrival for unknown agent ${agentIndex}: the workload and cluster disagree`);
      }
      const tS = columns ? columns.arrivalTimesS[i]! : specs![i]!.arrivalTimeS;
      const item = columns ? columns.itemIndices[i]! : specs![i]!.itemIndex;
      if (created) created[i] = store.addCreated(tS, agentIndex, item);
      else store.add(tS, agentIndex, item);
      if (agent.isRag) ragCount++;
      else stopTimes[agentIndex]!.push(tS);
      this.pendingArrivalEvents[agentIndex]!++;
      if (tS > this.maxArrivalTimeS[agentIndex]!) this.maxArrivalTimeS[agentIndex] = tS;
      this.metrics.pendingArrivals[agentIndex]!++;
    }
    const total = n + ragCount;
    const times = new Float64Array(total);
    const kinds = new Uint8Array(total);
    const subjects = new Int32Array(total);
    for (let i = 0; i < n; i++) {
      times[i] = store.arrivalTimeS(firstId + i);
      kinds[i] = EventKind.RequestArrival;
      subjects[i] = firstId + i;
    }
    let k = n;
    const rng = this.state.rng;
    for (let i = 0; i < n; i++) {
      const id = firstId + i;
      const agent = store.agent(id);
      const search = this.agents[agent]!.ragSearch;
      if (search === undefined) continue;
      const t = store.arrivalTimeS(id) + rng.uniform(search.minS, search.maxS);
      times[k] = t;
      kinds[k] = EventKind.RagSearchComplete;
      subjects[k] = id;
      k++;
      stopTimes[agent]!.push(t);
    }
    this.queue.pushBulkColumns(times, kinds, subjects, total);
    return created;
  }

  // ---------------------------------------------------------------- the loop

  /**
   * Handles events until the next trigger (returns true, clock at the trigger) or until no active work
   * is left (returns false: no pending arrival, search or step and every queue empty). Each handler takes
   * the state and its event and returns its successors, which go into the queue in the order returned.
   */
  run(): boolean {
    const q = this.queue;
    const s = this.state;
    const out = this.out;
    const onEvent = this.hooks.onEvent;
    while (this.hasActiveWork()) {
      if (q.size === 0) {
        stepIdleEngines(s, out);
        this.schedule(out);
        if (!this.hasActiveWork()) break;
        if (q.size === 0) throw this.stuckError();
      }
      q.pop();
      const t = q.poppedTimeS;
      const kind = q.poppedKind;
      if (kind === EventKind.ResourceManagerTrigger) {
        s.triggerTimes.dropMin();
        s.nowS = t;
        s.publishDecodeBatches();
        onEvent?.(t, kind, -1);
        return true;
      }
      const payload = q.poppedPayload;
      s.nowS = t;
      this.metrics.recordAdvance(s);
      switch (kind) {
        case EventKind.RequestArrival: {
          const id = q.poppedSubject;
          const agent = this.arrivals.agent(id);
          const isRag = this.agents[agent]!.isRag;
          // A RAG request is named again by its search completion: the store keeps its object until then.
          const r = this.arrivals.arrive(id, isRag);
          if (!isRag) s.stopTimes[agent]!.dropMin();
          this.pendingArrivalEvents[agent]!--;
          onEvent?.(t, kind, id);
          handleRequestArrival(s, r, out);
          break;
        }
        case EventKind.RagSearchComplete: {
          const id = q.poppedSubject;
          const r = this.arrivals.take(id);
          s.stopTimes[r.agent]!.dropMin();
          onEvent?.(t, kind, id);
          handleRagSearchComplete(s, r, out);
          break;
        }
        case EventKind.EngineStepComplete:
          onEvent?.(t, kind, (payload as SimEngine).id);
          handleEngineStepComplete(s, payload as SimEngine, out);
          break;
        case EventKind.EngineShutdownComplete:
          onEvent?.(t, kind, (payload as ShutdownEvent).engine.id);
          handleEngineShutdownComplete(s, payload as ShutdownEvent, out);
          break;
        case EventKind.EngineBootComplete:
          onEvent?.(t, kind, (payload as BootEvent).engine.id);
          handleEngineBootComplete(s, payload as BootEvent);
          if (s.kv !== null) dispatchParked(s, (payload as BootEvent).engine, out);
          break;
        case EventKind.RefreshActionBudget:
          this.refreshHandle = -1;
          onEvent?.(t, kind, -1);
          handleRefreshActionBudget(s);
          break;
      }
      if (out.length > 0) this.schedule(out);
    }
    s.publishDecodeBatches();
    return false;
  }

  /**
   * The decision at the current trigger: closes the interval, advances the "steps since" counters and,
   * for an action, charges its (freshly drawn) predicted cost, restarts the refresh timer and starts it.
   * `null` is NO_ACTION.
   */
  decide(action: SimAction | null): void {
    handleResourceManagerTrigger(this.state, action, this.out);
    this.schedule(this.out);
    this.state.publishDecodeBatches();
  }

  /** Arrivals, searches or steps pending, or any engine holding requests. */
  hasActiveWork(): boolean {
    const q = this.queue;
    if (
      q.countOf(EventKind.RequestArrival) +
        q.countOf(EventKind.RagSearchComplete) +
        q.countOf(EventKind.EngineStepComplete) >
      0
    ) {
      return true;
    }
    for (const e of this.engines) if (e.hasWork) return true;
    return false;
  }

  // ---------------------------------------------------------------- reads for the RL env and the bench

  /** `gpuEngines[g][index]`: the engine at each MIG index of the GPU's reported state. */
  gpuEngines(gpu: number): readonly SimEngine[] {
    return this.state.gpuEngines(gpu);
  }

  /** The reported (aliased) state id of a GPU. */
  gpuState(gpu: number): number {
    return this.state.gpuState(gpu);
  }

  /** Reported states of the managed GPUs 0..N−1. */
  managedGpuStates(): number[] {
    const out: number[] = [];
    this.cluster.gpus.forEach((g, i) => {
      if (g.managed) out.push(this.gpuState(i));
    });
    return out;
  }

  /**
   * Predicted cost of an action in seconds: drain + restart (split: max restart over the targets; merge:
   * max drain over the sources). Every call makes fresh random draws for busy engines.
   */
  predictActionCostS(action: SimAction): number {
    return predictActionCostS(this.state, action);
  }

  /** Decision time of the agent's latest pending arrival, or now when none is pending (replenishment). */
  latestArrivalTimeS(agent: number): number {
    return this.pendingArrivalEvents[agent]! > 0 ? this.maxArrivalTimeS[agent]! : this.nowS;
  }

  /** Agents whose pending-arrival counter is below the threshold, in enum order. */
  agentsNeedingArrivals(threshold = 1000): number[] {
    const out: number[] = [];
    for (let a = 0; a < this.agents.length; a++)
      if (this.metrics.pendingArrivals[a]! < threshold) out.push(a);
    return out;
  }

  /** Completed reconfiguration episodes, then those still open. */
  reconfigEpisodes(): ReconfigEpisode[] {
    return this.state.episodes.all();
  }

  /** (time, waiting) samples of one agent over the simulator's whole life. */
  queueTrace(agent: number): Array<[number, number]> {
    const times = this.metrics.queueTraceTimesS[agent]!;
    const waiting = this.metrics.queueTraceWaiting[agent]!;
    return times.map((t, i) => [t, waiting[i]!]);
  }

  /** Pending events in time order (tests and diagnostics; O(n log n)). */
  pendingEvents(): Array<{ timeS: number; kind: EventKind; subjectId: number }> {
    const out: Array<{ timeS: number; kind: EventKind; subjectId: number; seq: number }> = [];
    let seq = 0;
    this.queue.forEachPending((timeS, kind, p, subject) => {
      out.push({ timeS, kind, subjectId: p === undefined ? subject : subjectOf(p), seq: seq++ });
    });
    out.sort((a, b) => a.timeS - b.timeS || a.kind - b.kind);
    return out.map(({ timeS, kind, subjectId }) => ({ timeS, kind, subjectId }));
  }

  // ---------------------------------------------------------------- internals

  /**
   * Puts a handler's successors into the queue in the order returned. A budget refresh replaces the pending
   * one: each action restarts the 1800 s timer.
   */
  private schedule(out: Successors): void {
    const q = this.queue;
    for (let i = 0; i < out.length; i++) {
      const kind = out.kind(i);
      const handle = q.push(out.timeS(i), kind, out.payload(i));
      if (kind === EventKind.RefreshActionBudget) {
        if (this.refreshHandle >= 0) q.cancel(this.refreshHandle);
        this.refreshHandle = handle;
      }
    }
    out.clear();
  }

  private stuckError(): MigflowError {
    const e = this.engines.find((x) => x.hasWork && x.runningCount === 0);
    const head = e?.waiting.peek();
    return new MigflowError(
      `engine ${e?.name ?? '?'} can never admit its next request (prompt+completion ${
        head ? head.promptTokens + head.completionTokens : '?'
      } tokens > KV capacity ${e?.kvCapacityTokens ?? '?'}): raise kv_cache_GB for that profile or drop over-long requests`,
    );
  }
}

function subjectOf(p: EventPayload): number {
  if (p === null) return -1;
  if (p instanceof SimRequest || p instanceof SimEngine) return p.id;
  return p.engine.id;
}
