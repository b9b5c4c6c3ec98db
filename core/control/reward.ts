/**
 * The reward of one decision (Delta-HPC `compute_reward`): a latency penalty per agent over the requests of the
 * interval that followed the action, an action penalty, a bonus for serving tokens on high-quality instances and
 * a bonus for agents whose instances sit on few GPUs; scaled, then floored.
 * Pure: it reads plain request and engine views, so the simulator's entities and hand-built cases both fit.
 */

import type { RewardConfig } from '../config/index.js';
import { MigflowError } from '../errors.js';

/** Denominator guard of the per-agent mean and of the quality ratio. */
export const REWARD_EPSILON = 1e-9;

/** What the reward reads of an engine. */
export interface RewardEngineView {
  /** Hardware profile name, the Q table's key (e.g. `7g.180gb`). */
  readonly profile: { readonly name: string; readonly size: number };
  readonly permanent: boolean;
  /** Owning agent (index into `agents`). */
  readonly owner: number;
}

/** What the reward reads of a request. `firstTokenTimeS` is meaningful only when `hasFirstToken`. */
export interface RewardRequestView {
  readonly arrivalTimeS: number;
  readonly hasFirstToken: boolean;
  readonly firstTokenTimeS: number;
  readonly decodeTimeS: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly prefilledTokens: number;
  readonly generatedTokens: number;
  /** Null while a RAG request is still searching: such requests are skipped. */
  readonly servingEngine: RewardEngineView | null;
}

export interface RewardInput {
  /** Agent names by index (enum order); Q and α are looked up by name. */
  readonly agents: readonly string[];
  /** Per agent (same indices), the interval's requests. */
  readonly requests: readonly (readonly RewardRequestView[])[];
  readonly tookAction: boolean;
  readonly nowS: number;
  /** Per GPU, the engines at each MIG index (every GPU, managed and permanent). */
  readonly gpuEngines: readonly (readonly RewardEngineView[])[];
  /** Q of a request with no prefilled token yet (`normalization.default_waiting_qj`). */
  readonly defaultWaitingQj: number;
}

export interface RewardBreakdown {
  readonly reward: number;
  /** Σ_k α_k · ψ_k. */
  readonly penalty: number;
  /** The TTFT share of `penalty`: Σ_k α_k · (Σ_j w_ttft·TTFT_j [/ q_j]) / n_k. */
  readonly ttftPenalty: number;
  /** The TPOT share of `penalty` (same form with w_tpot·TPOT_j); ttftPenalty + tpotPenalty = penalty up to rounding. */
  readonly tpotPenalty: number;
  readonly actionPenalty: number;
  readonly quality: number;
  /** Affinity bonus after its weight. */
  readonly affinity: number;
  /** Per agent, mean request cost ψ_k. */
  readonly psi: readonly number[];
}

/** Σ over agents of Σ over GPUs of (agent's non-permanent slices on that GPU / agent's total)², unweighted. */
export function affinityRaw(
  gpuEngines: readonly (readonly RewardEngineView[])[],
  agentCount: number,
): number {
  const slices = Array.from({ length: agentCount }, () => new Float64Array(gpuEngines.length));
  gpuEngines.forEach((engines, g) => {
    for (const e of engines) if (!e.permanent) slices[e.owner]![g]! += e.profile.size;
  });
  let bonus = 0;
  for (const perGpu of slices) {
    let total = 0;
    for (const n of perGpu) total += n;
    if (total === 0) continue;
    for (const n of perGpu) bonus += (n / total) ** 2;
  }
  return bonus;
}

function qOf(cfg: RewardConfig, agent: string, profileName: string): number {
  const q = cfg.q[agent]?.[profileName];
  if (q === undefined) {
    throw new MigflowError(
      `training config: training.reward.Q.${agent}.${profileName} is missing — fix: add a Q value for ${profileName} under training.reward.Q.${agent}`,
    );
  }
  return q;
}

/** The reward with its terms; `reward` is what the environment returns. */
export function computeReward(cfg: RewardConfig, input: RewardInput): RewardBreakdown {
  const { wTtft, wTpot, useQualityBonus } = cfg;
  let penalty = 0;
  let ttftPenalty = 0;
  let tpotPenalty = 0;
  let totalTokens = 0;
  let weightedTokens = 0;
  const psi: number[] = [];
  // A plain loop, not forEach: the running sums above would be captured by the callback, and every update of a
  // captured double allocates a heap number (a few per request per step, most of this function's cost).
  for (let k = 0; k < input.agents.length; k++) {
    const agent = input.agents[k]!;
    let sum = 0;
    // Kept beside `sum` (not instead of it) so the reward itself is computed exactly as before.
    let ttftSum = 0;
    let tpotSum = 0;
    let n = 0;
    for (const r of input.requests[k] ?? []) {
      const engine = r.servingEngine;
      if (engine === null) continue;
      n++;
      let ttftS: number;
      let tpotS: number;
      let q: number;
      if (!r.hasFirstToken) {
        ttftS = input.nowS - r.arrivalTimeS;
        tpotS = 0;
        q = r.prefilledTokens === 0 ? input.defaultWaitingQj : qOf(cfg, agent, engine.profile.name);
      } else {
        ttftS = r.firstTokenTimeS - r.arrivalTimeS;
        tpotS = r.generatedTokens > 0 ? r.decodeTimeS / r.generatedTokens : 0;
        q = qOf(cfg, agent, engine.profile.name);
      }
      if (useQualityBonus) {
        sum += wTtft * ttftS + wTpot * tpotS;
        ttftSum += wTtft * ttftS;
        tpotSum += wTpot * tpotS;
        totalTokens += r.promptTokens + r.completionTokens;
        weightedTokens += q * (r.prefilledTokens + r.generatedTokens);
      } else {
        sum += (wTtft * ttftS + wTpot * tpotS) / q;
        ttftSum += (wTtft * ttftS) / q;
        tpotSum += (wTpot * tpotS) / q;
      }
    }
    const psiK = sum / (n + REWARD_EPSILON);
    psi.push(psiK);
    const alpha = cfg.alpha[agent];
    if (alpha === undefined) {
      throw new MigflowError(
        `training config: training.reward.alpha.${agent} is missing — fix: add training.reward.alpha.${agent}: 1.0`,
      );
    }
    penalty += alpha * psiK;
    ttftPenalty += (alpha * ttftSum) / (n + REWARD_EPSILON);
    tpotPenalty += (alpha * tpotSum) / (n + REWARD_EPSILON);
  }
  const quality = useQualityBonus ? weightedTokens / (totalTokens + REWARD_EPSILON) : 0;
  const affinity = cfg.useAffinityBonus
    ? affinityRaw(input.gpuEngines, input.agents.length) * cfg.affinityBonusWeight
    : 0;
  const actionPenalty = input.tookAction ? cfg.actionPenalty : 0;
  const reward = Math.max((-penalty - actionPenalty + quality + affinity) * cfg.scaling, cfg.clipping);
  return { reward, penalty, ttftPenalty, tpotPenalty, actionPenalty, quality, affinity, psi };
}
