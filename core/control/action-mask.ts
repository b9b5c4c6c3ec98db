/**
 * Turning an action index into a concrete reconfiguration of the simulator (the reference's `map_to_action`) and
 * masking the indices that cannot or may not be taken now: one reconfiguration in flight at a time, legal
 * transitions only, merges only of one owner's instances, transfer cooldowns per (giver → receiver) pair, and
 * a predicted cost within the remaining budget. The budget check draws fresh latency samples for busy engines,
 * so the mask is stochastic, exactly as in the reference.
 */
import type { ClusterGpu } from '../config/index.js';
import { agentsInEnumOrder, decodeAction, isStateId, profileIdx, transitionBetween } from '../mig/index.js';
import type { SimAction } from '../sim/index.js';
import type { ClusterView, EngineView } from './cluster-view.js';

export interface MaskOptions {
  /** Transfers stay masked while steps since (giver → receiver) < this (`action_mask.action_cooldown`). */
  readonly cooldownSteps: number;
  /** The bench heuristic ignores cooldowns (threshold 0). */
  readonly ignoreCooldowns?: boolean;
}

/** Index of the engine of that profile with the fewest waiting + running requests (lowest on ties), or -1. */
export function leastLoadedEngineIndex(engines: readonly EngineView[], logicalProfile: number): number {
  let best = -1;
  let bestLoad = Number.POSITIVE_INFINITY;
  engines.forEach((e, i) => {
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
 * The concrete action for `index` given the cluster's current layout: null for NO_ACTION, undefined when it
 * cannot be mapped (no such transition, no engine of that profile, or the engine already belongs to the receiver).
 */
export function resolveAction(
  sim: ClusterView,
  agentCount: number,
  index: number,
): SimAction | null | undefined {
  const a = decodeAction(agentCount, index);
  if (a.kind === 'none') return null;
  const current = sim.gpuState(a.gpu);
  if (!isStateId(current)) return undefined;
  if (a.kind === 'state') {
    const t = transitionBetween(current, a.targetState);
    if (!t) return undefined;
    return {
      kind: t.kind,
      gpu: a.gpu,
      sources: t.sourceIndices,
      targets: t.targetIndices,
      targetStateId: t.to,
    };
  }
  const idx = leastLoadedEngineIndex(sim.gpuEngines(a.gpu), profileIdx(a.profile));
  if (idx < 0) return undefined;
  const receiver = agentsInEnumOrder(agentCount).indexOf(a.receiver);
  // The least-loaded engine of that profile is picked whatever its owner; if it is the receiver's, no transfer.
  if (sim.gpuEngines(a.gpu)[idx]!.owner === receiver) return undefined;
  return { kind: 'transfer', gpu: a.gpu, sources: [idx], targets: [idx], targetStateId: current, receiver };
}

/**
 * The valid-action mask (1 = may be taken). Rules in the reference's order; `gpus` are the resolved config's
 * cluster entries (valid states and unsupported profiles per GPU).
 */
export function actionMask(
  sim: ClusterView,
  agentCount: number,
  gpus: readonly ClusterGpu[],
  options: MaskOptions,
  out: Uint8Array = new Uint8Array(1 + 15 * agentCount + 6 * agentCount * agentCount),
): Uint8Array {
  out.fill(0);
  out[0] = 1;
  if (sim.metrics.reconfigFlag) return out;
  const cooldown = options.ignoreCooldowns ? 0 : options.cooldownSteps;
  const budgetS = sim.metrics.budgetS;
  for (let i = 1; i < out.length; i++) {
    const a = decodeAction(agentCount, i);
    if (a.kind === 'none') continue;
    const gpu = gpus[a.gpu]!;
    let action: SimAction | null | undefined;
    if (a.kind === 'state') {
      if (!gpu.validStates.includes(a.targetState)) continue;
      action = resolveAction(sim, agentCount, i);
      if (!action) continue;
      const layout = sim.gpuEngines(a.gpu);
      const owner = layout[action.sources[0]!]?.owner;
      if (action.sources.some((s) => layout[s]?.owner !== owner)) continue;
    } else {
      if (gpu.profileSet.unsupported.includes(a.profile)) continue;
      if (!gpu.profileSet.profiles.some((p) => p.logical === a.profile)) continue;
      action = resolveAction(sim, agentCount, i);
      if (!action) continue;
      const sender = sim.gpuEngines(a.gpu)[action.sources[0]!]!.owner;
      if (sim.metrics.stepsSinceGive(sender, action.receiver!) < cooldown) continue;
    }
    if (sim.predictActionCostS(action) > budgetS) continue;
    out[i] = 1;
  }
  return out;
}
