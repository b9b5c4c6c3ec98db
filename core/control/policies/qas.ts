/**
 * The quality-aware scheduler baseline (QAS, spec §3.5): a one-step greedy search over the allowed actions that
 * keeps every agent's predicted TTFT under its ceiling and, among allocations that do, maximises the summed
 * quality factor Q_f. Predicted TTFT comes from measured TTFT(λ) curves, the agent's load being split over its
 * slices largest first ("waterfall"), each non-last slice capped at a fraction of its service rate. Stateless.
 */

import type { ResolvedSimulationConfig } from '../../config/index.js';
import { ttftCurve } from '../../config/index.js';
import type { AgentName } from '../../mig/index.js';
import { NO_ACTION } from '../../mig/index.js';
import { EngineStatus, type HardwareProfile } from '../../sim/index.js';
import { resolveAction } from '../action-mask.js';
import type { ClusterView } from '../cluster-view.js';
import { heuristicArrivalRatesPerS } from './heuristic.js';
import type { Policy, PolicyContext } from './policy.js';
import { serviceRatePerS } from './service-rate.js';

/** Beyond the last measured point TTFT grows at least this many seconds per extra req/s. */
export const MIN_OVERLOAD_SLOPE_S_PER_REQ_S = 1.0;

type Curve = readonly (readonly [number, number])[];

/** One slice an agent serves from. */
export interface HeldSlice {
  readonly gpu: number;
  readonly hw: HardwareProfile;
}

export interface QasSettings {
  readonly bench: PolicyContext['bench'];
  /** agent → hardware profile name → Q_f (training.reward.Q). */
  readonly qualityFactors: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Per agent (enum order): the TTFT ceiling in seconds. */
  readonly ttftCeilingsS: readonly number[];
}

/** Lexicographic: tier 0 = every agent feasible (second = −ΣQ_f), tier 1 = infeasible (second = violation). */
export type QasScore = readonly [tier: 0 | 1, value: number];

export interface QasEvaluation {
  readonly action: number;
  readonly arrivalRatesPerS: readonly number[];
  readonly current: { readonly qualityFactors: readonly number[]; readonly ttftsS: readonly number[] };
  readonly currentScore: QasScore;
  readonly bestScore: QasScore;
  /** Every evaluated candidate in action order. */
  readonly candidates: readonly { readonly action: number; readonly score: QasScore }[];
}

/** TTFT predicted by a measured curve at arrival rate λ: clamp below, interpolate inside, extrapolate above. */
export function predictTtftS(curve: Curve, lambdaPerS: number): number {
  if (curve.length === 0) return Number.POSITIVE_INFINITY;
  const first = curve[0]!;
  const last = curve[curve.length - 1]!;
  if (lambdaPerS <= first[0]) return first[1];
  if (lambdaPerS >= last[0]) {
    if (lambdaPerS === last[0]) return last[1];
    let slope = 0;
    if (curve.length >= 2) {
      const prev = curve[curve.length - 2]!;
      slope = last[0] > prev[0] ? (last[1] - prev[1]) / (last[0] - prev[0]) : 0;
    }
    return last[1] + Math.max(slope, MIN_OVERLOAD_SLOPE_S_PER_REQ_S) * (lambdaPerS - last[0]);
  }
  for (let i = 1; i < curve.length; i++) {
    const [lo, tLo] = curve[i - 1]!;
    const [hi, tHi] = curve[i]!;
    if (lo <= lambdaPerS && lambdaPerS <= hi) {
      if (hi === lo) return tLo;
      return tLo + ((lambdaPerS - lo) / (hi - lo)) * (tHi - tLo);
    }
  }
  return Number.POSITIVE_INFINITY;
}

/**
 * Per-agent TTFT ceiling: L_target plus the mean search delay the agent pays regardless of its slices. Only the
 * RAG agent pays one in the simulator, so only it gets the offset (see docs/deviations.md).
 */
export function qasTtftCeilingsS(simulation: ResolvedSimulationConfig, lTargetS: number): number[] {
  const rag = simulation.ragSearchOverheadS;
  return simulation.agentsEnumOrder.map((a) =>
    a === 'RAGAgent' ? lTargetS + (rag.min + rag.max) / 2 : lTargetS,
  );
}

export function qasSettings(ctx: Pick<PolicyContext, 'bench' | 'training' | 'simulation'>): QasSettings {
  return {
    bench: ctx.bench,
    qualityFactors: ctx.training.reward.q,
    ttftCeilingsS: qasTtftCeilingsS(ctx.simulation, ctx.bench.qas.lTargetS),
  };
}

const gpuModelOf = (cluster: ClusterView, gpu: number) => cluster.cluster.gpus[gpu]!.model;

/** Each agent's serving slices (not booting), in engine-list order. */
export function heldSlices(cluster: ClusterView): HeldSlice[][] {
  return cluster.agents.map((agent) =>
    agent.engines
      .filter((e) => e.status !== EngineStatus.Booting)
      .map((e) => ({ gpu: e.gpu, hw: e.profile })),
  );
}

/** The slices after `action` as QAS imagines them: sources leave their owners, targets join the giver or receiver. */
export function heldSlicesAfter(
  cluster: ClusterView,
  held: readonly HeldSlice[][],
  action: number,
): HeldSlice[][] {
  const out = held.map((list) => [...list]);
  const concrete = resolveAction(cluster, cluster.agents.length, action);
  if (!concrete) return out;
  const layout = cluster.gpuEngines(concrete.gpu);
  const giver = layout[concrete.sources[0]!]!.owner;
  for (const idx of concrete.sources) {
    const e = layout[idx]!;
    // The first equal (gpu, profile) entry goes, as the reference's list.remove does.
    const list = out[e.owner]!;
    const at = list.findIndex((s) => s.gpu === concrete.gpu && s.hw.name === e.profile.name);
    if (at >= 0) list.splice(at, 1);
  }
  const gpu = cluster.cluster.gpus[concrete.gpu]!;
  const targetProfiles = cluster.cluster.states.profilesOf(concrete.targetStateId);
  for (const idx of concrete.targets) {
    const hw = concrete.kind === 'transfer' ? layout[idx]!.profile : gpu.profiles[targetProfiles[idx] ?? -1];
    if (hw === undefined) continue;
    // Only a pure transfer names a receiver, and its single target is the receiver's slot.
    out[concrete.receiver ?? giver]!.push({ gpu: concrete.gpu, hw });
  }
  return out;
}

/** (Q_f, TTFT) of serving λ from `slices`, weighted by the share of λ each slice takes in the waterfall. */
export function aggregateAllocation(
  cluster: ClusterView,
  settings: QasSettings,
  agent: number,
  slices: readonly HeldSlice[],
  lambdaPerS: number,
): { qualityFactor: number; ttftS: number } {
  if (slices.length === 0) return { qualityFactor: 0, ttftS: 0 };
  const name = cluster.agents[agent]!.name as AgentName;
  const q = (s: HeldSlice) => settings.qualityFactors[name]?.[s.hw.name] ?? 0;
  if (lambdaPerS <= 0) {
    let best = slices[0]!;
    for (const s of slices) if (s.hw.size > best.hw.size) best = s;
    return { qualityFactor: q(best), ttftS: 0 };
  }
  const sorted = slices
    .map((s, i) => ({ s, i }))
    .sort((a, b) => b.s.hw.size - a.s.hw.size || a.i - b.i)
    .map(({ s }) => s);
  const { qas, heuristic } = settings.bench;
  let remaining = lambdaPerS;
  let qf = 0;
  let ttft = 0;
  sorted.forEach((s, j) => {
    const model = gpuModelOf(cluster, s.gpu);
    let share: number;
    if (j === sorted.length - 1) share = remaining;
    else {
      const mu = serviceRatePerS(heuristic.serviceRatesPerS, model, name, s.hw.name, s.hw.logical);
      share = Math.min(remaining, qas.splitHeadroomFactor * mu);
      remaining -= share;
    }
    const w = share / lambdaPerS;
    qf += w * q(s);
    // A zero share on an unmeasured slice gives 0·∞ = NaN, as in the reference (see scoreOf).
    ttft += w * predictTtftS(ttftCurve(qas.ttftCurves, model, name, s.hw.name), share);
  });
  return { qualityFactor: qf, ttftS: ttft };
}

/** Python's max(0.0, x): x only when x > 0, so NaN counts as no violation. */
// biome-ignore lint/complexity/useMathMinMax: Math.max(NaN, 0) is NaN; the reference's max(0.0, NaN) is 0.
const violationOf = (x: number) => (x > 0 ? x : 0);

export function scoreOf(
  qualityFactors: readonly number[],
  ttftsS: readonly number[],
  ceilingsS: readonly number[],
): QasScore {
  let v = 0;
  for (let a = 0; a < ttftsS.length; a++) v += violationOf(ttftsS[a]! - ceilingsS[a]!);
  if (v <= 0) return [0, -qualityFactors.reduce((s, x) => s + x, 0)];
  return [1, v];
}

const lessThan = (a: QasScore, b: QasScore) => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);

/** A tier change always counts; inside a tier the candidate must beat the current score by the minimum gain. */
function clearsGate(candidate: QasScore, current: QasScore, minGain: number): boolean {
  if (candidate[0] !== current[0]) return candidate[0] < current[0];
  return candidate[1] < current[1] - minGain;
}

function allocationOf(
  cluster: ClusterView,
  settings: QasSettings,
  held: readonly HeldSlice[][],
  lambda: readonly number[],
) {
  const parts = held.map((slices, a) => aggregateAllocation(cluster, settings, a, slices, lambda[a]!));
  return { qualityFactors: parts.map((p) => p.qualityFactor), ttftsS: parts.map((p) => p.ttftS) };
}

/** QAS's full decision at the simulator's current trigger. `mask` must enforce cooldowns. */
export function evaluateQas(
  cluster: ClusterView,
  mask: Uint8Array,
  settings: QasSettings,
  arrivalRatesPerS: readonly number[] = heuristicArrivalRatesPerS(cluster),
): QasEvaluation {
  const held = heldSlices(cluster);
  const current = allocationOf(cluster, settings, held, arrivalRatesPerS);
  const currentScore = scoreOf(current.qualityFactors, current.ttftsS, settings.ttftCeilingsS);
  const minGain = settings.bench.qas.minQualityGain;
  let best = NO_ACTION;
  let bestScore = currentScore;
  const candidates: { action: number; score: QasScore }[] = [];
  for (let action = 1; action < mask.length; action++) {
    if (mask[action] !== 1) continue;
    const after = allocationOf(cluster, settings, heldSlicesAfter(cluster, held, action), arrivalRatesPerS);
    const score = scoreOf(after.qualityFactors, after.ttftsS, settings.ttftCeilingsS);
    candidates.push({ action, score });
    // The gate compares with doing nothing, not the running best, so the margin does not compound.
    if (clearsGate(score, currentScore, minGain) && lessThan(score, bestScore)) {
      best = action;
      bestScore = score;
    }
  }
  return { action: best, arrivalRatesPerS, current, currentScore, bestScore, candidates };
}

export const qas = (): Policy => {
  let settings: QasSettings | undefined;
  return {
    name: 'qas',
    runName: 'BASELINE_QAS',
    initialMode: 'random',
    decide: (_observation, mask, ctx) => {
      settings ??= qasSettings(ctx);
      return evaluateQas(ctx.cluster, mask, settings).action;
    },
  };
};
