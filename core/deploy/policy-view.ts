/**
 * The live deployment as a `ClusterView` (core/control), the contract the observation builder, the action mask and
 * the policies read — the simulator is the other implementation (spec §7.7's adapter): engines per GPU in slot order
 * with owner, profile, status and their own waiting queue (from that engine's /metrics — not the per-profile sum
 * the reference hands every engine), and metrics built from the collector's intervals. So the deployment's
 * observation vector is the simulator's layout, filled with live numbers. The one question it answers its own way
 * is an action's cost: drains are estimated from measured TPOT instead of sampled.
 */
import type { ResolvedSimulationConfig } from '../config/index.js';
import type { ClusterMetricsView, ClusterView, CompletedRequestView, EngineView } from '../control/index.js';
import type { AgentName } from '../mig/index.js';
import { profileIdx } from '../mig/index.js';
import { clusterSpecFromConfig, EngineStatus, ReconfigKind, type SimAction } from '../sim/index.js';
import type { DeployState } from './deploy-state.js';
import type { LiveCluster, LiveSlot } from './live-cluster.js';

const TPOT_FALLBACK_S = 0.05;
const DRAIN_UNKNOWN_S = 5;

/** A slot's engine as the view shows it, with the slot it came from (for drain estimates). */
interface LiveEngine extends EngineView {
  readonly slot: LiveSlot;
}

export interface PolicyViewOptions {
  simulation: ResolvedSimulationConfig;
  live: LiveCluster;
  state: DeployState;
  /** Agents in enum order (the policy's agent indices). */
  agents: readonly AgentName[];
  divisor: Readonly<Record<string, number>>;
  actionIntervalS: number;
  historyLength: number;
}

/** The cluster view of the deployment at this decision. */
export function policyView(o: PolicyViewOptions): ClusterView {
  const { live, state, agents } = o;
  const cluster = clusterSpecFromConfig(o.simulation, () => {
    throw new Error('the deployment view has no token tables');
  });
  const H = o.historyLength;
  const permanentGpu = o.simulation.permanentGpu;
  const engines: LiveEngine[] = [];
  const byGpu = new Map<number, LiveEngine[]>();
  for (const slot of live.slots) {
    const gpu = slot.plan.permanent ? permanentGpu : slot.plan.position;
    const list = byGpu.get(gpu) ?? [];
    const hw = cluster.gpus[gpu]?.profiles[profileIdx(slot.plan.logical)];
    const m = slot.metrics;
    const e: LiveEngine = {
      gpu,
      owner: agents.indexOf(slot.plan.agent),
      migIndex: slot.plan.permanent ? -1 : list.length,
      permanent: slot.plan.permanent,
      status: slot.draining ? EngineStatus.Draining : slot.ready ? EngineStatus.Active : EngineStatus.Booting,
      profile: hw ?? {
        logical: profileIdx(slot.plan.logical),
        size: slot.plan.sizeSlices,
        vramGb: slot.plan.vramGb,
        name: slot.plan.hardware,
      },
      logical: profileIdx(slot.plan.logical),
      waiting: { length: Math.round(m?.waiting ?? 0) },
      runningCount: Math.round(m?.running ?? 0),
      kvUtilization: () => m?.kvUsage ?? 0,
      slot,
    };
    list.push(e);
    byGpu.set(gpu, list);
    engines.push(e);
  }
  const collectors = agents.map((a) => state.agents[a]!);
  const scaled = (a: number, h: number) =>
    (collectors[a]!.arrivalHistory[h] ?? 0) / (o.divisor[agents[a]!] ?? 1);
  const arrivalRateHistory = new Float64Array(agents.length * H);
  const lastArrivalRate = new Float64Array(agents.length);
  const lastAvgQueue = new Float64Array(agents.length * 7);
  agents.forEach((_, a) => {
    for (let h = 0; h < H; h++) arrivalRateHistory[a * H + h] = scaled(a, h);
    lastArrivalRate[a] = scaled(a, 1);
    for (let s = 0; s < 7; s++) lastAvgQueue[a * 7 + s] = collectors[a]!.prevQueue[s] ?? 0;
  });
  const amounts = new Int32Array(agents.length * 4);
  collectors.forEach((c, a) => {
    amounts[a * 4 + 2] = c.giveAmountGb;
    amounts[a * 4 + 3] = c.receiveAmountGb;
  });
  const agentTpotS = (a: number) => {
    const t = collectors[a]?.tpots ?? [];
    return t.length ? t.reduce((x, y) => x + y, 0) / t.length : TPOT_FALLBACK_S;
  };
  const drainS = (e: LiveEngine) => {
    if (e.permanent) return 0;
    if (!e.slot.metrics) return DRAIN_UNKNOWN_S;
    if (e.slot.metrics.running === 0) return 0;
    return (collectors[e.owner]?.avgResponseTokens ?? 256) * agentTpotS(e.owner);
  };
  const gpuEngines = (g: number) => byGpu.get(g) ?? [];
  // Only managed GPUs have a state the policy may change; the permanent GPU reads as no state.
  const gpuState = (g: number) => state.desired.find((x) => x.position === g)?.stateId ?? -1;
  const metrics: ClusterMetricsView = {
    reconfigFlag: false,
    budgetS: state.budgetS,
    lastActionDowntimeS: state.lastActionCostS,
    arrivalRate: (a: number) => scaled(a, 0),
    lastArrivalRate,
    arrivalRateHistory,
    // The deployment's previous tuple starts at zeros (spec §6.6), so a trend always exists.
    hasLastAvgQueue: new Uint8Array(agents.length).fill(1),
    lastAvgQueue,
    avgQueue: (a: number, s: number) => collectors[a]!.queue[s] ?? 0,
    avgRunning: (a: number, s: number) => collectors[a]!.running[s] ?? 0,
    stepsSinceAction: (a: number, key: number) => collectors[a]!.stepsSince[key] ?? 10,
    amounts,
    stepsSinceGive: (sender: number, receiver: number) =>
      collectors[sender]!.giveTo[agents[receiver]!] ?? Number.MAX_SAFE_INTEGER,
  };
  return {
    cluster,
    engines,
    actionIntervalS: o.actionIntervalS,
    nowS: live.runTimeS(),
    agents: agents.map((name, a) => ({
      index: a,
      name,
      engines: engines.filter((e) => e.owner === a),
      completed: ringOf(collectors[a]!.latencies),
    })),
    metrics,
    gpuEngines,
    gpuState,
    managedGpuStates: () => state.desired.map((d) => d.stateId),
    predictActionCostS(action: SimAction): number {
      const layout = gpuEngines(action.gpu);
      const targetProfiles = cluster.states.profilesOf(action.targetStateId);
      const restart = (owner: number, logical: number) =>
        cluster.engineParams(owner, action.gpu, logical).restartTimeS;
      const src = action.sources.map((i) => layout[i]!).filter(Boolean);
      if (src.length === 0) return 0;
      const drain = Math.max(...src.map(drainS));
      if (action.kind === ReconfigKind.Transfer) return drain + restart(action.receiver!, src[0]!.logical);
      const owner = src[0]!.owner;
      return drain + Math.max(...action.targets.map((t) => restart(owner, targetProfiles[t]!)));
    },
  };
}

/** The collector's latency buffer as the completed-request ring the observation builder walks. */
function ringOf(latencies: readonly [number, number, number][]): ClusterView['agents'][number]['completed'] {
  const items: CompletedRequestView[] = latencies.map(([ttftS, tpotS, bucket]) => ({
    servingEngine: { permanent: bucket === 6, logical: bucket === 6 ? 3 : bucket },
    hasFirstToken: true,
    firstTokenTimeS: ttftS,
    arrivalTimeS: 0,
    generatedTokens: 1,
    decodeTimeS: tpotS,
  }));
  return { length: items.length, fromNewest: (i: number) => items[i]! };
}
