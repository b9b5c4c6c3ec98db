/**
 * The discrete-event simulator of MIG-sliced LLM serving: one loop that pops the earliest event, advances
 * the clock and lets the event's handler act, stopping at each resource-manager trigger so the caller
 * (the RL env, the bench) can decide. Order, ids, randomness and outputs all belong to the instance.
 */
import { ConfigError, MigflowError } from '../errors.js';
import { GeometryIndex, invalidateIndices, syncLayout } from './cluster.js';
import { EngineStatus, EventKind, ReconfigKind } from './constants.js';
import { predictDrainS, StepOutcome, stepEngine, takeShutdownPlan } from './engine-step.js';
import { SimAgent } from './entities/agent.js';
import { SimEngine } from './entities/engine.js';
import { SimRequest } from './entities/request.js';
import { EpisodeLog, type ReconfigEpisode } from './episodes.js';
import { EventQueue } from './event-queue.js';
import { handleEngineBootComplete } from './events/engine-boot-complete.js';
import { handleEngineShutdownComplete } from './events/engine-shutdown-complete.js';
import { handleEngineStepComplete } from './events/engine-step-complete.js';
import { handleRagSearchComplete } from './events/rag-search-complete.js';
import { handleRefreshActionBudget } from './events/refresh-action-budget.js';
import { handleRequestArrival } from './events/request-arrival.js';
import { handleResourceManagerTrigger } from './events/resource-manager-trigger.js';
import { SimMetrics } from './metrics.js';
import type { ArrivalColumns, ArrivalSpec, InitialEngineSpec, SimClusterSpec, SimRng } from './ports.js';
import type { BootEvent, ShutdownEvent, ShutdownPlan, SimAction } from './reconfig-plan.js';
import { TimeHeap } from './time-heap.js';

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
}

/** Observers; they never change what the simulator does. */
export interface SimHooks {
  /** Every handled event, triggers included; subject = request id, engine id, or -1. */
  onEvent?(timeS: number, kind: EventKind, subjectId: number): void;
  onRequestCompleted?(request: SimRequest, engine: SimEngine): void;
}

type Payload = SimRequest | SimEngine | ShutdownEvent | BootEvent | null;

export class Simulator {
  readonly cluster: SimClusterSpec;
  readonly metrics: SimMetrics;
  readonly agents: SimAgent[] = [];
  /** Every engine in creation order (the reference's engine map), unused padding engines included. */
  readonly engines: SimEngine[] = [];
  readonly actionIntervalS: number;
  readonly refreshS: number;
  nowS = 0;

  private rng: SimRng;
  private readonly hooks: SimHooks;
  private readonly queue = new EventQueue<Payload>();
  private readonly triggerTimes = new TimeHeap();
  /** Per agent: times of its pending arrivals (non-RAG) or search completions (RAG) — its next stops. */
  private readonly stopTimes: TimeHeap[];
  private readonly pendingArrivalEvents: Int32Array;
  private readonly maxArrivalTimeS: Float64Array;
  private readonly gpuLayout: SimEngine[][];
  private readonly geometry: GeometryIndex;
  private readonly episodes = new EpisodeLog();
  private refreshHandle = -1;
  private nextRequestId = 0;
  private nextEngineId = 0;
  private readonly onFinished: (r: SimRequest, e: SimEngine) => void;

  constructor(options: SimulatorOptions) {
    this.cluster = options.cluster;
    this.rng = options.rng;
    this.hooks = options.hooks ?? {};
    this.actionIntervalS = options.actionIntervalS ?? 120;
    this.refreshS = options.refreshS ?? 1800;
    const n = this.cluster.agents.length;
    this.metrics = new SimMetrics({
      agentCount: n,
      actionIntervalS: this.actionIntervalS,
      historyLength: options.historyLength ?? 5,
      cooldownSteps: options.cooldownSteps ?? 10,
      budgetS: options.budgetS ?? 300,
      queueTrace: options.queueTrace ?? true,
      queueTraceResolutionS: options.queueTraceResolutionS ?? 1.0,
    });
    this.stopTimes = Array.from({ length: n }, () => new TimeHeap());
    this.pendingArrivalEvents = new Int32Array(n);
    this.maxArrivalTimeS = new Float64Array(n);
    this.gpuLayout = this.cluster.gpus.map(() => []);
    this.geometry = new GeometryIndex(this.cluster.states);
    const onCompleted = this.hooks.onRequestCompleted;
    this.onFinished = (r, e) => {
      this.agents[e.owner]!.completed.push(r);
      onCompleted?.(r, e);
    };
  }

  // ---------------------------------------------------------------- setup

  /**
   * Clears events, agents and engines and builds the given layout, all ACTIVE at t = 0; budget full,
   * flag clear, "steps since" counters at the cooldown. The arrival-rate history, the last action's
   * downtime and the queue trace are carried over, as in the reference. `rng` replaces the stream.
   */
  reset(layout: readonly InitialEngineSpec[], rng?: SimRng): void {
    if (rng !== undefined) this.rng = rng;
    this.nowS = 0;
    this.queue.clear();
    this.triggerTimes.clear();
    for (const h of this.stopTimes) h.clear();
    this.pendingArrivalEvents.fill(0);
    this.maxArrivalTimeS.fill(0);
    this.episodes.clear();
    this.refreshHandle = -1;
    this.nextRequestId = 0;
    this.nextEngineId = 0;
    for (const e of this.engines) e.alive = false;
    this.engines.length = 0;
    this.agents.length = 0;
    this.cluster.agents.forEach((spec, i) => {
      this.agents.push(new SimAgent(i, spec.name, spec.ragSearch));
    });
    for (const spec of layout) {
      if (this.agents[spec.agent] === undefined) {
        throw new ConfigError(
          'initial layout',
          `agent ${spec.agent}`,
          'no such agent',
          'use an agent index of the cluster',
        );
      }
      const e = this.createEngine(
        spec.gpu,
        spec.logicalProfile,
        spec.agent,
        -1,
        0,
        spec.permanent === true,
        spec.unused === true,
      );
      if (spec.unused !== true) this.agents[spec.agent]!.engines.push(e);
    }
    this.syncLayout();
    const m = this.metrics;
    m.countsDirty = true;
    m.resetForNextInterval(0, this.agents);
    m.refreshBudget();
    m.reconfigFlag = false;
    m.pendingArrivals.fill(0);
    m.resetLastActions();
  }

  /** Schedules the decision points at interval × i, i = 1..count (`max_steps + 1` in training). */
  scheduleTriggers(count: number): void {
    for (let i = 1; i <= count; i++) {
      const t = i * this.actionIntervalS;
      this.queue.push(t, EventKind.ResourceManagerTrigger, null);
      this.triggerTimes.push(t);
    }
  }

  /**
   * Adds arrivals (and, for the RAG agent, a search completion U(min, max) s later, drawn now in input
   * order after all arrivals are queued). Returns the created requests in input order.
   */
  addArrivals(arrivals: readonly ArrivalSpec[] | ArrivalColumns): SimRequest[] {
    const columns = 'arrivalTimesS' in arrivals ? arrivals : undefined;
    const specs = columns ? undefined : (arrivals as readonly ArrivalSpec[]);
    const n = columns ? columns.arrivalTimesS.length : specs!.length;
    const created = new Array<SimRequest>(n);
    let ragCount = 0;
    for (let i = 0; i < n; i++) {
      const agentIndex = columns ? columns.agents[i]! : specs![i]!.agent;
      const agent = this.agents[agentIndex];
      if (agent === undefined) {
        throw new MigflowError(`arrival for unknown agent ${agentIndex}: the workload and cluster disagree`);
      }
      const tS = columns ? columns.arrivalTimesS[i]! : specs![i]!.arrivalTimeS;
      const item = columns ? columns.itemIndices[i]! : specs![i]!.itemIndex;
      created[i] = new SimRequest(this.nextRequestId++, agentIndex, item, tS);
      if (agent.isRag) ragCount++;
      else this.stopTimes[agentIndex]!.push(tS);
      this.pendingArrivalEvents[agentIndex]!++;
      if (tS > this.maxArrivalTimeS[agentIndex]!) this.maxArrivalTimeS[agentIndex] = tS;
      this.metrics.pendingArrivals[agentIndex]!++;
    }
    const total = n + ragCount;
    const times = new Float64Array(total);
    const kinds = new Uint8Array(total);
    const payloads = new Array<Payload>(total);
    for (let i = 0; i < n; i++) {
      const r = created[i]!;
      times[i] = r.arrivalTimeS;
      kinds[i] = EventKind.RequestArrival;
      payloads[i] = r;
    }
    let k = n;
    for (let i = 0; i < n; i++) {
      const r = created[i]!;
      const search = this.agents[r.agent]!.ragSearch;
      if (search === undefined) continue;
      const t = r.arrivalTimeS + this.rng.uniform(search.minS, search.maxS);
      times[k] = t;
      kinds[k] = EventKind.RagSearchComplete;
      payloads[k] = r;
      k++;
      this.stopTimes[r.agent]!.push(t);
    }
    this.queue.pushBulkColumns(times, kinds, payloads, total);
    return created;
  }

  // ---------------------------------------------------------------- the loop

  /**
   * Handles events until the next trigger (returns true, clock at the trigger) or until no active work
   * is left (returns false: no pending arrival, search or step and every queue empty).
   */
  run(): boolean {
    const q = this.queue;
    const onEvent = this.hooks.onEvent;
    while (this.hasActiveWork()) {
      if (q.size === 0) {
        this.stepIdleEngines();
        if (!this.hasActiveWork()) break;
        if (q.size === 0) throw this.stuckError();
      }
      if (q.peekKind() === EventKind.ResourceManagerTrigger) {
        q.pop();
        this.triggerTimes.popMin();
        this.nowS = q.poppedTimeS;
        onEvent?.(this.nowS, EventKind.ResourceManagerTrigger, -1);
        return true;
      }
      q.pop();
      const t = q.poppedTimeS;
      const kind = q.poppedKind;
      const payload = q.poppedPayload!;
      this.metrics.recordAdvance(t, this.agents);
      this.nowS = t;
      switch (kind) {
        case EventKind.RequestArrival: {
          const r = payload as SimRequest;
          if (!this.agents[r.agent]!.isRag) this.stopTimes[r.agent]!.popMin();
          this.pendingArrivalEvents[r.agent]!--;
          onEvent?.(t, kind, r.id);
          handleRequestArrival(this, r);
          break;
        }
        case EventKind.RagSearchComplete: {
          const r = payload as SimRequest;
          this.stopTimes[r.agent]!.popMin();
          onEvent?.(t, kind, r.id);
          handleRagSearchComplete(this, r);
          break;
        }
        case EventKind.EngineStepComplete:
          onEvent?.(t, kind, (payload as SimEngine).id);
          handleEngineStepComplete(this, payload as SimEngine);
          break;
        case EventKind.EngineShutdownComplete:
          onEvent?.(t, kind, (payload as ShutdownEvent).engine.id);
          handleEngineShutdownComplete(this, payload as ShutdownEvent);
          this.metrics.countsDirty = true;
          break;
        case EventKind.EngineBootComplete:
          onEvent?.(t, kind, (payload as BootEvent).engine.id);
          handleEngineBootComplete(this, payload as BootEvent);
          this.metrics.countsDirty = true;
          break;
        case EventKind.RefreshActionBudget:
          onEvent?.(t, kind, -1);
          handleRefreshActionBudget(this);
          break;
      }
    }
    return false;
  }

  /**
   * The decision at the current trigger: closes the interval, advances the "steps since" counters and,
   * for an action, charges its (freshly drawn) predicted cost, restarts the refresh timer and starts it.
   * `null` is NO_ACTION.
   */
  decide(action: SimAction | null): void {
    handleResourceManagerTrigger(this, action);
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
    return this.gpuLayout[gpu] ?? [];
  }

  /** The reported (aliased) state id of a GPU. */
  gpuState(gpu: number): number {
    const id = this.geometry.identify(this.engines, gpu);
    if (id === undefined) throw new MigflowError(`GPU ${gpu}: its engines form no known MIG state`);
    return id;
  }

  /** Reported states of the managed GPUs 0..N−1. */
  managedGpuStates(): number[] {
    const out: number[] = [];
    this.cluster.gpus.forEach((g, i) => {
      if (g.managed) out.push(this.gpuState(i));
    });
    return out;
  }

  /** Index of the engine of that profile with the fewest waiting + running requests (lowest on ties), or -1. */
  findBestEngineIndex(gpu: number, logicalProfile: number): number {
    let best = -1;
    let bestLoad = Number.POSITIVE_INFINITY;
    this.gpuEngines(gpu).forEach((e, i) => {
      if (e.logical !== logicalProfile) return;
      const load = e.waiting.length + e.runningCount;
      if (load < bestLoad) {
        best = i;
        bestLoad = load;
      }
    });
    return best;
  }

  /**
   * Predicted cost of an action in seconds: drain + restart (split: max restart over the targets; merge:
   * max drain over the sources). Every call makes fresh random draws for busy engines.
   */
  predictActionCostS(action: SimAction): number {
    const layout = this.gpuEngines(action.gpu);
    const source = (idx: number): SimEngine => {
      const e = layout[idx];
      if (e === undefined) {
        throw new MigflowError(`GPU ${action.gpu}: no engine at MIG index ${idx} for a ${action.kind}`);
      }
      return e;
    };
    const targetProfiles = this.cluster.states.profilesOf(action.targetStateId);
    switch (action.kind) {
      case ReconfigKind.Transfer: {
        const e = source(action.sources[0]!);
        const receiver = this.requireReceiver(action);
        const bootS = this.cluster.engineParams(receiver, action.gpu, e.logical).restartTimeS;
        return predictDrainS(e, this.rng) + bootS;
      }
      case ReconfigKind.Split: {
        const e = source(action.sources[0]!);
        const drainS = predictDrainS(e, this.rng);
        let bootS = 0;
        for (const t of action.targets) {
          const r = this.cluster.engineParams(e.owner, action.gpu, targetProfiles[t]!).restartTimeS;
          if (r > bootS) bootS = r;
        }
        return drainS + bootS;
      }
      case ReconfigKind.Merge: {
        const sources = action.sources.map(source);
        if (sources.length === 0) return 0;
        let drainS = 0;
        for (const e of sources) {
          const d = predictDrainS(e, this.rng);
          if (d > drainS) drainS = d;
        }
        const merged = targetProfiles[action.targets[0]!]!;
        return drainS + this.cluster.engineParams(sources[0]!.owner, action.gpu, merged).restartTimeS;
      }
    }
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
    return this.episodes.all();
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
    this.queue.forEachPending((timeS, kind, p) => {
      out.push({ timeS, kind, subjectId: subjectOf(p), seq: seq++ });
    });
    out.sort((a, b) => a.timeS - b.timeS || a.kind - b.kind);
    return out.map(({ timeS, kind, subjectId }) => ({ timeS, kind, subjectId }));
  }

  // ---------------------------------------------------------------- internals the event handlers use

  /** @internal Agent-level routing, then a step when the chosen engine is idle with work. */
  dispatch(agent: SimAgent, r: SimRequest): void {
    let best: SimEngine | undefined;
    for (const e of agent.engines) {
      if (e.status !== EngineStatus.Active) continue;
      // Key (has waiting, waiting length, −size), earliest in the agent's list on ties.
      if (best === undefined || e.waiting.length < best.waiting.length) best = e;
      else if (e.waiting.length === best.waiting.length && e.size > best.size) best = e;
    }
    if (best === undefined) {
      throw new MigflowError(
        `${agent.name} has no ACTIVE engine at t=${this.nowS}: its permanent engine is missing`,
      );
    }
    const prompt = best.tokens.promptTokens[r.itemIndex];
    const completion = best.tokens.completionTokens[r.itemIndex];
    if (prompt === undefined || completion === undefined) {
      throw new MigflowError(
        `${agent.name}: item ${r.itemIndex} has no token lengths for model ${best.model}: the generated JSONLs of one agent must cover the same ids`,
      );
    }
    r.promptTokens = prompt;
    r.completionTokens = completion;
    r.servingEngine = best;
    best.waiting.push(r);
    this.metrics.countsDirty = true;
    if (best.clockS < this.nowS) best.clockS = this.nowS;
    if (best.runningCount === 0 && best.waiting.length > 0)
      this.stepAndSchedule(best, this.nextStopS(agent.index));
  }

  /** @internal Time of the agent's next arrival (RAG: search completion) or next trigger; +∞ if none. */
  nextStopS(agent: number): number {
    return Math.min(this.triggerTimes.min(), this.stopTimes[agent]!.min());
  }

  /** @internal */
  stepAndSchedule(engine: SimEngine, nextStopS: number): void {
    const waitingBefore = engine.waiting.length;
    const runningBefore = engine.runningCount;
    const outcome = stepEngine(engine, this.nowS, nextStopS, this.rng, this.onFinished);
    if (engine.waiting.length !== waitingBefore || engine.runningCount !== runningBefore) {
      this.metrics.countsDirty = true;
    }
    if (outcome === StepOutcome.StepComplete) {
      this.queue.push(engine.clockS, EventKind.EngineStepComplete, engine);
    } else if (outcome === StepOutcome.ShutdownComplete) {
      this.queue.push(engine.clockS, EventKind.EngineShutdownComplete, {
        engine,
        plan: takeShutdownPlan(engine),
      });
    }
  }

  /** @internal After a trigger: step ACTIVE and DRAINING engines that have waiting but no running requests. */
  kickEngines(): void {
    for (const e of this.engines) {
      if (e.status === EngineStatus.Booting) continue;
      if (e.runningCount !== 0 || e.waiting.length === 0) continue;
      this.stepAndSchedule(
        e,
        e.status === EngineStatus.Active ? this.nextStopS(e.owner) : Number.POSITIVE_INFINITY,
      );
    }
  }

  /** @internal Starts draining; an idle engine shuts down at once (handled after the current trigger). */
  triggerShutdown(engine: SimEngine, plan: ShutdownPlan): void {
    engine.status = EngineStatus.Draining;
    if (engine.clockS < this.nowS) engine.clockS = this.nowS;
    engine.shutdownPending = plan;
    if (!engine.hasWork) {
      this.queue.push(engine.clockS, EventKind.EngineShutdownComplete, {
        engine,
        plan: takeShutdownPlan(engine),
      });
    }
  }

  /** @internal BOOTING until engine clock + its restart time. */
  bootEngine(engine: SimEngine, purpose: BootEvent['purpose'], siblings: readonly SimEngine[] | null): void {
    engine.status = EngineStatus.Booting;
    this.metrics.countsDirty = true;
    this.queue.push(engine.clockS + engine.restartTimeS, EventKind.EngineBootComplete, {
      engine,
      purpose,
      siblings,
    });
  }

  /** @internal */
  createEngine(
    gpu: number,
    logical: number,
    owner: number,
    migIndex: number,
    clockS: number,
    permanent: boolean,
    unused: boolean,
  ): SimEngine {
    const gpuSpec = this.cluster.gpus[gpu];
    const profile = gpuSpec?.profiles[logical];
    if (gpuSpec === undefined || profile === undefined) {
      throw new ConfigError(
        'simulation_config.yaml',
        `simulation.gpu_model (GPU ${gpu})`,
        `GPU ${gpu} (${gpuSpec?.model ?? 'missing'}) has no hardware profile for logical profile ${logical}`,
        'use a GPU model whose profile table covers every state the layout reaches',
      );
    }
    const id = this.nextEngineId++;
    const e = new SimEngine(
      id,
      `GPU_${gpu}_${profile.name}_${id}`,
      gpu,
      profile,
      permanent,
      unused,
      owner,
      migIndex,
      clockS,
    );
    this.configureEngine(e, owner);
    this.engines.push(e);
    return e;
  }

  /** @internal Loads the owner's model and parameters for the engine's profile on its GPU. */
  configureEngine(engine: SimEngine, owner: number): void {
    const params = this.cluster.engineParams(owner, engine.gpu, engine.logical);
    engine.configure(owner, params, this.cluster.tokenTable(owner, params.model));
  }

  /** @internal Drops a replaced engine from the engine map and from its owner's list. */
  removeEngine(engine: SimEngine, owner: number): void {
    const i = this.engines.indexOf(engine);
    if (i >= 0) this.engines.splice(i, 1);
    this.agents[owner]?.removeEngine(engine);
    engine.alive = false;
  }

  /** @internal */
  invalidateIndices(gpu: number, pivot: number, targets: readonly number[]): void {
    invalidateIndices(this.engines, gpu, pivot, targets);
  }

  /** @internal */
  syncLayout(): void {
    syncLayout(this.engines, this.cluster.gpus.length, this.geometry, this.gpuLayout);
  }

  /** @internal */
  advanceEpisodes(): void {
    this.episodes.advance(this.nowS, this.agents);
  }

  /** @internal */
  openEpisodes(action: SimAction): void {
    const affected: number[] = [];
    const layout = this.gpuEngines(action.gpu);
    for (const idx of action.sources) {
      const e = layout[idx];
      if (e !== undefined && !affected.includes(e.owner)) affected.push(e.owner);
    }
    if (action.receiver !== undefined && !affected.includes(action.receiver)) affected.push(action.receiver);
    this.episodes.openFor(affected, action.kind, this.nowS, action.receiver);
  }

  /** @internal Restarts the refresh timer: cancel the pending refresh, schedule one at now + refresh. */
  restartRefreshTimer(): void {
    if (this.refreshHandle >= 0) this.queue.cancel(this.refreshHandle);
    this.refreshHandle = this.queue.push(this.nowS + this.refreshS, EventKind.RefreshActionBudget, null);
  }

  /** @internal */
  clearRefreshHandle(): void {
    this.refreshHandle = -1;
  }

  /** @internal */
  requireReceiver(action: SimAction): number {
    if (action.receiver === undefined || this.agents[action.receiver] === undefined) {
      throw new MigflowError(`a transfer on GPU ${action.gpu} needs a valid receiver agent`);
    }
    return action.receiver;
  }

  private stepIdleEngines(): void {
    for (const e of this.engines) if (e.hasWork) this.stepAndSchedule(e, Number.POSITIVE_INFINITY);
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

function subjectOf(p: Payload): number {
  if (p === null) return -1;
  if (p instanceof SimRequest || p instanceof SimEngine) return p.id;
  return p.engine.id;
}
