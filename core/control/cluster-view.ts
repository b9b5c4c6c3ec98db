/**
 * What a decision may read of a cluster: the contract between the MIG control logic (observation, action mask,
 * the baselines' rules, an RL policy) and whatever runs the cluster. The simulator implements it (the structural
 * check below keeps it so), and so does the live deployment (core/deploy builds one from vLLM's /metrics and the
 * collector's intervals), so the same observation builder, mask and policies drive both.
 *
 * Everything here is read-only and per decision: engines per GPU in slot order with their owner, profile, status
 * and queues; per agent its engines and last completed requests; the interval metrics the reference keeps; and
 * one question a cluster answers its own way, the predicted cost of an action (the simulator samples drains, the
 * live cluster estimates them from measured TPOT).
 */
import type {
  ActionHistoryKey,
  EngineStatus,
  HardwareProfile,
  SimAction,
  SimClusterSpec,
  Simulator,
} from '../sim/index.js';

/** An engine (one MIG slice's server, or a permanent engine) as a decision sees it. */
export interface EngineView {
  readonly gpu: number;
  /** Owning agent (enum index). */
  readonly owner: number;
  /** Slot position on its GPU's geometry state; −1 for permanent engines. */
  readonly migIndex: number;
  readonly permanent: boolean;
  readonly status: EngineStatus;
  readonly profile: HardwareProfile;
  /** Logical profile index (7G = 0 … 1S = 5). */
  readonly logical: number;
  readonly waiting: { readonly length: number };
  readonly runningCount: number;
  kvUtilization(): number;
}

/** A completed request, for the observation's latency features. */
export interface CompletedRequestView {
  readonly servingEngine: { readonly permanent: boolean; readonly logical: number } | null;
  readonly hasFirstToken: boolean;
  readonly firstTokenTimeS: number;
  readonly arrivalTimeS: number;
  readonly generatedTokens: number;
  readonly decodeTimeS: number;
}

export interface AgentView {
  readonly index: number;
  readonly name: string;
  readonly engines: readonly EngineView[];
  /** The last completed requests, newest first by `fromNewest(0)`. */
  readonly completed: { readonly length: number; fromNewest(i: number): CompletedRequestView };
}

/** The reference's per-interval bookkeeping: rates, queue integrals, action history, the budget. */
export interface ClusterMetricsView {
  readonly reconfigFlag: boolean;
  readonly budgetS: number;
  readonly lastActionDowntimeS: number;
  arrivalRate(agent: number, nowS: number): number;
  /** Per agent, the previous interval's raw arrival rate. */
  readonly lastArrivalRate: ArrayLike<number>;
  /** Per agent × history length, scaled arrival rates, newest first. */
  readonly arrivalRateHistory: ArrayLike<number>;
  readonly hasLastAvgQueue: ArrayLike<number>;
  /** Per agent × profile slot (7), the previous interval's mean queue. */
  readonly lastAvgQueue: ArrayLike<number>;
  avgQueue(agent: number, slot: number): number;
  avgRunning(agent: number, slot: number): number;
  stepsSinceAction(agent: number, key: ActionHistoryKey): number;
  /** Per agent × 4 (split, merge, give, receive), the amounts of the last actions. */
  readonly amounts: ArrayLike<number>;
  stepsSinceGive(sender: number, receiver: number): number;
}

export interface ClusterView {
  readonly cluster: SimClusterSpec;
  readonly nowS: number;
  readonly actionIntervalS: number;
  readonly engines: readonly EngineView[];
  readonly agents: readonly AgentView[];
  readonly metrics: ClusterMetricsView;
  /** The engines of GPU `g` in slot order. */
  gpuEngines(g: number): readonly EngineView[];
  /** The (aliased) geometry state id of GPU `g`; −1 where the GPU has none the policy may change. */
  gpuState(g: number): number;
  managedGpuStates(): readonly number[];
  /** Seconds the action would take (drain + restart); the simulator draws fresh samples at every call. */
  predictActionCostS(action: SimAction): number;
}

type Implements<T extends C, C> = T;
/** The simulator is a cluster view as it is, without an adapter: tsc fails here the day it stops being one. */
export type SimulatorIsAClusterView = Implements<Simulator, ClusterView>;
