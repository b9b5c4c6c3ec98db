/**
 * Everything the event handlers read and change, and nothing that schedules: the clock, the random stream,
 * agents and engines, the per-GPU layouts, the metrics, the reconfiguration episodes, and the index of each
 * agent's next stop. Handlers take a `SimState` and an event and return the events they schedule (through a
 * `Successors` outbox); the `Simulator` owns the event queue, runs the loop and applies those successors.
 */
import { ConfigError, MigflowError } from '../errors.js';
import { GeometryIndex, invalidateIndices, syncLayout } from './cluster.js';
import { SimAgent } from './entities/agent.js';
import { SimEngine } from './entities/engine.js';
import type { SimRequest } from './entities/request.js';
import { EpisodeLog } from './episodes.js';
import { KvAdmission } from './kv-admission.js';
import { type MetricsOptions, SimMetrics } from './metrics.js';
import type { InitialEngineSpec, SimClusterSpec, SimRng } from './ports.js';
import type { SimAction } from './reconfig-plan.js';
import { TimeHeap } from './time-heap.js';

export interface SimStateOptions {
  readonly cluster: SimClusterSpec;
  readonly rng: SimRng;
  readonly actionIntervalS: number;
  readonly refreshS: number;
  readonly metrics: Omit<MetricsOptions, 'agentCount' | 'actionIntervalS'>;
  /** Observer of every completed request (after it joined its agent's ring). */
  readonly onRequestCompleted?: (request: SimRequest, engine: SimEngine) => void;
  /** The KV-capacity rule (kv-admission.ts; a deviation, off by default). */
  readonly kvCapacityRule?: boolean;
}

export class SimState {
  readonly cluster: SimClusterSpec;
  readonly metrics: SimMetrics;
  readonly agents: SimAgent[] = [];
  /** Every engine in creation order (the reference's engine map), unused padding engines included. */
  readonly engines: SimEngine[] = [];
  readonly actionIntervalS: number;
  readonly refreshS: number;
  nowS = 0;
  rng: SimRng;
  /**
   * The next-stop index over the pending events: trigger times, and per agent the times of its pending arrivals
   * (non-RAG) or search completions (RAG). The simulator keeps it in step with its queue; handlers read it.
   */
  readonly triggerTimes = new TimeHeap();
  readonly stopTimes: TimeHeap[];
  /** `gpuLayout[g][index]`: the engine at each MIG index of the GPU's reported state. */
  readonly gpuLayout: SimEngine[][];
  readonly geometry: GeometryIndex;
  readonly episodes = new EpisodeLog();
  /** The KV-capacity rule when it is on (kv-admission.ts), else null: dispatch is the reference's. */
  readonly kv: KvAdmission | null;
  /** Completion: into the owner's ring, then the observer. Passed to every engine step. */
  readonly onFinished: (request: SimRequest, engine: SimEngine) => void;
  private nextEngineId = 0;

  constructor(options: SimStateOptions) {
    this.cluster = options.cluster;
    this.rng = options.rng;
    this.actionIntervalS = options.actionIntervalS;
    this.refreshS = options.refreshS;
    this.kv = options.kvCapacityRule === true ? new KvAdmission(options.cluster) : null;
    const n = this.cluster.agents.length;
    this.metrics = new SimMetrics({
      ...options.metrics,
      agentCount: n,
      actionIntervalS: this.actionIntervalS,
    });
    this.stopTimes = Array.from({ length: n }, () => new TimeHeap());
    this.gpuLayout = this.cluster.gpus.map(() => []);
    this.geometry = new GeometryIndex(this.cluster.states);
    const observer = options.onRequestCompleted;
    this.onFinished = (r, e) => {
      this.agents[e.owner]!.completed.push(r);
      observer?.(r, e);
    };
  }

  /**
   * Builds the given layout, all ACTIVE at t = 0, with fresh agents, an empty stop index, budget full, flag clear
   * and the "steps since" counters at the cooldown. Arrival-rate history, last downtime and queue trace carry over.
   */
  reset(layout: readonly InitialEngineSpec[]): void {
    this.nowS = 0;
    this.triggerTimes.clear();
    for (const h of this.stopTimes) h.clear();
    this.episodes.clear();
    this.kv?.clear();
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

  /** Time of the agent's next arrival (RAG: search completion) or next trigger; +∞ if none. */
  nextStopS(agent: number): number {
    return Math.min(this.triggerTimes.min(), this.stopTimes[agent]!.min());
  }

  gpuEngines(gpu: number): readonly SimEngine[] {
    return this.gpuLayout[gpu] ?? [];
  }

  /** The reported (aliased) state id of a GPU. */
  gpuState(gpu: number): number {
    const id = this.geometry.identify(this.engines, gpu);
    if (id === undefined) throw new MigflowError(`GPU ${gpu}: its engines form no known MIG state`);
    return id;
  }

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

  /** Loads the owner's model and parameters for the engine's profile on its GPU. */
  configureEngine(engine: SimEngine, owner: number): void {
    const params = this.cluster.engineParams(owner, engine.gpu, engine.logical);
    engine.configure(owner, params, this.cluster.tokenTable(owner, params.model));
  }

  /** Drops a replaced engine from the engine map and from its owner's list. */
  removeEngine(engine: SimEngine, owner: number): void {
    const i = this.engines.indexOf(engine);
    if (i >= 0) this.engines.splice(i, 1);
    this.agents[owner]?.removeEngine(engine);
    engine.alive = false;
  }

  invalidateIndices(gpu: number, pivot: number, targets: readonly number[]): void {
    invalidateIndices(this.engines, gpu, pivot, targets);
  }

  syncLayout(): void {
    syncLayout(this.engines, this.cluster.gpus.length, this.geometry, this.gpuLayout);
  }

  /**
   * Writes every decoding request's live numbers (tokens, decode time) from its engine's decode batch into the
   * request object. The simulator calls it before it hands control back, so readers between runs see current values.
   */
  publishDecodeBatches(): void {
    for (const e of this.engines) e.batch.publish(e.decoding);
  }

  advanceEpisodes(): void {
    this.episodes.advance(this.nowS, this.agents);
  }

  /** The transfer's receiver, checked. */
  requireReceiver(action: SimAction): number {
    if (action.receiver === undefined || this.agents[action.receiver] === undefined) {
      throw new MigflowError(`a transfer on GPU ${action.gpu} needs a valid receiver agent`);
    }
    return action.receiver;
  }
}
