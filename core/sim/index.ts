/**
 * The discrete-event simulator of MIG-sliced LLM serving (Delta-HPC's `src/simulation`), as the RL env and
 * the bench drive it. Entities are plain state (`SimRequest`, `SimEngine`, `SimAgent`), gathered with the clock,
 * layouts and metrics in `SimState`; each event kind has one handler under `events/` that takes the state and
 * its event and returns the events it schedules (`Successors`); `Simulator.run()` is the one loop that pops
 * events, calls handlers and puts their successors into the queue.
 *
 * Driving it (what the reference's training env does):
 *
 *   const sim = new Simulator({ cluster, rng });            // cluster: clusterSpecFromConfig(cfg, tokens)
 *   sim.reset(initialLayout(cfg, 'random', choiceRng));    // or any InitialEngineSpec[]
 *   sim.addArrivals(arrivals);                             // ArrivalSpec[] from core/workload
 *   sim.scheduleTriggers(episodeLength + 1);               // decisions at 120·i
 *   sim.run();                                             // first observation at t = 120
 *   loop: sim.decide(actionOrNull); sim.run();             // one RL step: act at this trigger, run to the next
 *         for (const a of sim.agentsNeedingArrivals()) sim.addArrivals(more(a, sim.latestArrivalTimeS(a)));
 *
 * What observations, masks and rewards read:
 * - per engine (`sim.engines`, `sim.gpuEngines(g)[index]`, `agent.engines`): `status`, `waiting.length`,
 *   `runningCount`, `kvUtilization()`, `profile`, `permanent`, `owner`, `migIndex`;
 * - per GPU: `sim.gpuState(g)` (aliased state id), `sim.managedGpuStates()`;
 * - per agent (`sim.metrics`): `intervalRequests[a]`, `arrivalRate(a, now)`, `lastArrivalRate`,
 *   `arrivalRateHistory`, `avgQueue(a, slot)`, `avgRunning(a, slot)`, `lastAvgQueue`, `stepsSinceAction`,
 *   `amounts`, `stepsSinceGive(sender, receiver)`; `agent.completed` (ring of the last 500);
 * - globals: `metrics.budgetS`, `metrics.reconfigFlag`, `metrics.lastActionDowntimeS`;
 * - masks: `sim.gpuEngines(g)` (core/control's leastLoadedEngineIndex picks from them), `sim.predictActionCostS(action)` (fresh draws each call);
 * - metrics of spec §6: `summarizeCompleted(requests)`, `sim.queueTrace(a)`, `sim.reconfigEpisodes()`.
 *
 * Randomness comes only from the injected `SimRng`, in the reference's draw order; hooks observe events
 * (`TraceHash` gives a determinism fingerprint) without changing behaviour.
 */

export { ChromeTraceRecorder, type TraceEvent } from './chrome-trace.js';
export { GeometryIndex } from './cluster.js';
export { clusterSpecFromConfig } from './cluster-spec.js';
export {
  EngineStatus,
  EventKind,
  LOGICAL_PROFILE_COUNT,
  LogicalProfile,
  PERMANENT_SLOT,
  ReconfigKind,
  RequestState,
  SLOT_COUNT,
  UNSET_TIME,
} from './constants.js';
export {
  type AgentEnergy,
  DEFAULT_GPU_POWER,
  EnergyMeter,
  type EnergySummary,
  type GpuPowerModel,
  gpuPowerModel,
  type PowerFigures,
  slicePower,
} from './energy.js';
export { predictDrainS, StepOutcome, stepEngine } from './engine-step.js';
export { SimAgent } from './entities/agent.js';
export { SimEngine } from './entities/engine.js';
export { SimRequest } from './entities/request.js';
export type { ReconfigEpisode } from './episodes.js';
export { EventQueue } from './event-queue.js';
export { type ChoiceRng, type InitialLayoutMode, initialLayout } from './initial-layout.js';
export { sampleLinearS } from './latency.js';
export { ActionHistoryKey, SimMetrics } from './metrics.js';
export { hardwareProfilesByIdx, MIG_GEOMETRY_STATES } from './mig-adapter.js';
export type {
  ArrivalColumns,
  ArrivalSpec,
  EngineProfileParams,
  GeometryStates,
  HardwareProfile,
  InitialEngineSpec,
  LatencyParams,
  LatencyRunRng,
  SimAgentSpec,
  SimClusterSpec,
  SimGpuSpec,
  SimRng,
  TokenTable,
} from './ports.js';
export type { SimAction } from './reconfig-plan.js';
export { type SimHooks, Simulator, type SimulatorOptions } from './simulator.js';
export { type RequestSummary, summarizeCompleted, tpotS, ttftS } from './summary.js';
export { TraceHash } from './trace.js';
