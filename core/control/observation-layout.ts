/**
 * Where each feature sits in the observation vector (Delta-HPC's `_get_obs` order). Per-agent blocks come in
 * name order (Chat, Coding, RAG), then a global tail. With H = 5 history entries the vector is 171 floats for
 * 2 agents and 277 for 3. Offsets are computed, never hard-coded, so a different H still lines up. The opt-in time
 * features (`training.time_features`, a deviation) come after everything else, so the reference's offsets stay.
 */
import {
  type AgentName,
  agentsInEnumOrder,
  agentsInNameOrder,
  LOGICAL_PROFILES,
  PROFILE_SLOTS,
  SLICES_PER_GPU,
  STATE_COUNT,
} from '../mig/index.js';

/** Offsets inside one agent's block. */
export interface AgentBlockOffsets {
  readonly arrivalRate: number;
  readonly predictedArrivalRate: number;
  readonly totalSmRatio: number;
  readonly totalVramRatio: number;
  /** H entries, newest first. */
  readonly arrivalRateHistory: number;
  /** 7 slots each (logical idx 0..5, 6 = permanent). */
  readonly kvCacheUtilization: number;
  readonly avgCompositeLatency: number;
  readonly avgQueueLength: number;
  readonly avgQueueLengthTrend: number;
  readonly avgRunningRequests: number;
  /** 6 entries, logical idx order. */
  readonly agentOwnsMig: number;
  readonly lastSplit: number;
  readonly lastMerge: number;
  readonly lastGive: number;
  readonly lastReceive: number;
  readonly lastGiveAmount: number;
  readonly lastReceiveAmount: number;
  /** 3-agent only: one entry per target agent in name order; −1 when absent. */
  readonly giveToSteps: number;
}

/** Absolute offsets of the global tail. Pair features have one entry per agent pair (i < j in name order). */
export interface GlobalOffsets {
  readonly recoveryFlag: number;
  readonly currentBudget: number;
  readonly downtimeRatio: number;
  readonly arrivalRatio: number;
  readonly queueRatio: number;
  readonly runningRatio: number;
  readonly kvRatio: number;
  readonly latencyRatio: number;
  /** Always 0.0 (a placeholder the reference keeps). */
  readonly placeholder: number;
  readonly vramRatio: number;
  readonly smRatio: number;
  /** Per managed GPU, per agent in name order. */
  readonly migGeometry: number;
  /** Per managed GPU, 15 entries. */
  readonly stateOneHot: number;
  /** Per managed GPU, 7 slices. */
  readonly ownershipGrid: number;
}

/** Absolute offsets of the opt-in time features (core/control/time-features.ts), after the global tail. */
export interface TimeOffsets {
  /** Per agent in name order: seconds since its interval arrival rate was last at or above the idle rate. */
  readonly idleClock: number;
  /** Per managed GPU: seconds since its layout (state and slice owners) last changed. */
  readonly reconfigClock: number;
}

export interface ObservationLayout {
  readonly agentCount: number;
  readonly historyLength: number;
  readonly managedGpuCount: number;
  /** Agents in block order (name order). */
  readonly blockAgents: readonly AgentName[];
  /** Block start of each agent, by position in `blockAgents`. */
  readonly blockStarts: readonly number[];
  readonly blockWidth: number;
  readonly block: AgentBlockOffsets;
  /** Agent pairs (positions in `blockAgents`) of the ratio features. */
  readonly pairs: readonly (readonly [number, number])[];
  readonly global: GlobalOffsets;
  /** Absent unless the time features are on. */
  readonly time?: TimeOffsets;
  readonly length: number;
}

/**
 * The observation layout for `agentCount` agents (managed GPUs = agents) and `historyLength` past rates, with the
 * time features appended when `timeFeatures` is true.
 */
export function observationLayout(
  agentCount: number,
  historyLength: number,
  timeFeatures = false,
): ObservationLayout {
  const blockAgents = agentsInNameOrder(agentsInEnumOrder(agentCount));
  const H = historyLength;
  let o = 0;
  const take = (n: number) => {
    const at = o;
    o += n;
    return at;
  };
  const block: AgentBlockOffsets = {
    arrivalRate: take(1),
    predictedArrivalRate: take(1),
    totalSmRatio: take(1),
    totalVramRatio: take(1),
    arrivalRateHistory: take(H),
    kvCacheUtilization: take(PROFILE_SLOTS),
    avgCompositeLatency: take(PROFILE_SLOTS),
    avgQueueLength: take(PROFILE_SLOTS),
    avgQueueLengthTrend: take(PROFILE_SLOTS),
    avgRunningRequests: take(PROFILE_SLOTS),
    agentOwnsMig: take(LOGICAL_PROFILES.length),
    lastSplit: take(1),
    lastMerge: take(1),
    lastGive: take(1),
    lastReceive: take(1),
    lastGiveAmount: take(1),
    lastReceiveAmount: take(1),
    // The reference carries per-target give cooldowns only in its 3-agent state.
    giveToSteps: agentCount === 3 ? take(agentCount) : -1,
  };
  const blockWidth = o;
  const blockStarts = blockAgents.map((_, i) => i * blockWidth);
  o = blockWidth * agentCount;
  const pairs: [number, number][] = [];
  for (let i = 0; i < agentCount; i++) for (let j = i + 1; j < agentCount; j++) pairs.push([i, j]);
  const P = pairs.length;
  const G = agentCount;
  const global: GlobalOffsets = {
    recoveryFlag: take(1),
    currentBudget: take(1),
    downtimeRatio: take(1),
    arrivalRatio: take(P),
    queueRatio: take(P),
    runningRatio: take(P),
    kvRatio: take(P),
    latencyRatio: take(P),
    placeholder: take(1),
    vramRatio: take(P),
    smRatio: take(P),
    migGeometry: take(G * agentCount),
    stateOneHot: take(G * STATE_COUNT),
    ownershipGrid: take(G * SLICES_PER_GPU),
  };
  const time: TimeOffsets | undefined = timeFeatures
    ? { idleClock: take(agentCount), reconfigClock: take(G) }
    : undefined;
  return {
    agentCount,
    historyLength: H,
    managedGpuCount: G,
    blockAgents,
    blockStarts,
    blockWidth,
    block,
    pairs,
    global,
    ...(time ? { time } : {}),
    length: o,
  };
}
