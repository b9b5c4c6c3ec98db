/**
 * The rule-based heuristic baseline ("HPA"): estimate each agent's load ratio λ / (u·μ) from recent arrivals
 * plus its backlog against the derated service rates of its serving slices, and, when some agent is outside
 * the dead band, take the allowed action that most lowers Σ (e^{|r−1|} − 1) — strictly, earliest action on
 * ties. Convexity of that deviation makes it take capacity from idle agents. Stateless between decisions.
 */
import type { ResolvedBenchConfig, ServiceRateTable } from '../../config/index.js';
import type { AgentName } from '../../mig/index.js';
import { NO_ACTION } from '../../mig/index.js';
import { EngineStatus } from '../../sim/index.js';
import { resolveAction } from '../action-mask.js';
import type { ClusterView, EngineView } from '../cluster-view.js';
import type { Policy } from './policy.js';
import { serviceRatePerS } from './service-rate.js';

/** Deviation charged for an agent with no serving capacity. */
export const INFINITE_RATIO_DEVIATION = 1000;

export interface HeuristicSettings {
  readonly utilizationFactor: number;
  readonly highThreshold: number;
  readonly lowThreshold: number;
  readonly serviceRatesPerS: ServiceRateTable;
}

export interface HeuristicEvaluation {
  /** The chosen action index (NO_ACTION when nothing strictly improves, or no agent is out of band). */
  readonly action: number;
  readonly arrivalRatesPerS: readonly number[];
  readonly serviceRatesPerS: readonly number[];
  readonly ratios: readonly number[];
  readonly currentDeviation: number;
  /** Deviation after the chosen action (= current when NO_ACTION). */
  readonly bestDeviation: number;
  /** Every evaluated candidate in action order; empty inside the dead band. */
  readonly candidates: readonly { readonly action: number; readonly deviation: number }[];
}

export function heuristicSettings(bench: ResolvedBenchConfig): HeuristicSettings {
  return bench.heuristic;
}

/** Σ_a f(r_a), f(∞) = 1000, f(r) = e^{|r−1|} − 1. */
export function deviation(ratios: readonly number[]): number {
  let d = 0;
  for (const r of ratios)
    d += r === Number.POSITIVE_INFINITY ? INFINITE_RATIO_DEVIATION : Math.exp(Math.abs(r - 1)) - 1;
  return d;
}

/** λ_a: arrivals in the last interval per second plus the agent's whole waiting backlog spread over one interval. */
export function heuristicArrivalRatesPerS(cluster: ClusterView): number[] {
  return cluster.agents.map((agent, a) => {
    let waiting = 0;
    for (const e of agent.engines) waiting += e.waiting.length;
    return cluster.metrics.arrivalRate(a, cluster.nowS) + waiting / cluster.actionIntervalS;
  });
}

function engineRate(cluster: ClusterView, table: ServiceRateTable, owner: number, e: EngineView): number {
  const agent = cluster.agents[owner]!.name as AgentName;
  return serviceRatePerS(table, cluster.cluster.gpus[e.gpu]!.model, agent, e.profile.name, e.logical);
}

/** μ_a: derated service rates of the agent's engines that are not booting (permanent and draining ones count). */
export function heuristicServiceRatesPerS(cluster: ClusterView, table: ServiceRateTable): number[] {
  return cluster.agents.map((agent, a) => {
    let mu = 0;
    for (const e of agent.engines)
      if (e.status !== EngineStatus.Booting) mu += engineRate(cluster, table, a, e);
    return mu;
  });
}

function ratiosOf(lambda: readonly number[], mu: readonly number[], u: number): number[] {
  return lambda.map((l, a) => (mu[a]! > 0 ? l / (u * mu[a]!) : Number.POSITIVE_INFINITY));
}

/** The service rates after `action` as the heuristic imagines them: sources leave their owners, targets join the giver or the receiver. */
export function serviceRatesAfter(
  cluster: ClusterView,
  agentCount: number,
  table: ServiceRateTable,
  mu: readonly number[],
  action: number,
): number[] {
  const out = [...mu];
  const concrete = resolveAction(cluster, agentCount, action);
  if (!concrete) return out;
  const layout = cluster.gpuEngines(concrete.gpu);
  for (const idx of concrete.sources) {
    const e = layout[idx]!;
    out[e.owner]! -= engineRate(cluster, table, e.owner, e);
  }
  const giver = layout[concrete.sources[0]!]!.owner;
  const gpu = cluster.cluster.gpus[concrete.gpu]!;
  const targetProfiles = cluster.cluster.states.profilesOf(concrete.targetStateId);
  for (const idx of concrete.targets) {
    const logical = concrete.kind === 'transfer' ? layout[idx]!.logical : (targetProfiles[idx] ?? Number.NaN);
    const hw = gpu.profiles[logical];
    if (hw === undefined) continue;
    // Only a pure transfer names a receiver, and its single target is the receiver's slot.
    const owner = concrete.receiver ?? giver;
    const agent = cluster.agents[owner]!.name as AgentName;
    out[owner]! += serviceRatePerS(table, gpu.model, agent, hw.name, logical);
  }
  for (let a = 0; a < out.length; a++) if (out[a]! < 0) out[a] = 0;
  return out;
}

/**
 * The heuristic's full decision at the simulator's current trigger. `mask` must enforce cooldowns;
 * `arrivalRatesPerS` defaults to `heuristicArrivalRatesPerS(cluster)`.
 */
export function evaluateHeuristic(
  cluster: ClusterView,
  mask: Uint8Array,
  settings: HeuristicSettings,
  arrivalRatesPerS: readonly number[] = heuristicArrivalRatesPerS(cluster),
): HeuristicEvaluation {
  const agentCount = cluster.agents.length;
  const u = settings.utilizationFactor;
  const mu = heuristicServiceRatesPerS(cluster, settings.serviceRatesPerS);
  const ratios = ratiosOf(arrivalRatesPerS, mu, u);
  const current = deviation(ratios);
  const base = {
    arrivalRatesPerS,
    serviceRatesPerS: mu,
    ratios,
    currentDeviation: current,
  };
  const outOfBand = ratios.some((r) => r > settings.highThreshold || r < settings.lowThreshold);
  const candidates: number[] = [];
  for (let i = 1; i < mask.length; i++) if (mask[i] === 1) candidates.push(i);
  if (!outOfBand || candidates.length === 0) {
    return { ...base, action: NO_ACTION, bestDeviation: current, candidates: [] };
  }
  let best = NO_ACTION;
  let bestDeviation = current;
  const evaluated: { action: number; deviation: number }[] = [];
  for (const action of candidates) {
    const after = serviceRatesAfter(cluster, agentCount, settings.serviceRatesPerS, mu, action);
    const d = deviation(ratiosOf(arrivalRatesPerS, after, u));
    evaluated.push({ action, deviation: d });
    if (d < bestDeviation) {
      bestDeviation = d;
      best = action;
    }
  }
  return { ...base, action: best, bestDeviation, candidates: evaluated };
}

export const heuristic = (): Policy => ({
  name: 'heuristic',
  runName: 'BASELINE_HEURISTIC',
  initialMode: 'random',
  decide: (_observation, mask, ctx) =>
    evaluateHeuristic(ctx.cluster, mask, heuristicSettings(ctx.bench)).action,
});
