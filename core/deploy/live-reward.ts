/**
 * The training reward of a live decision, for policies that learn online (LinUCB): core/control's `computeReward`
 * over the requests of the window that followed the decision, as the simulator scores the interval after an
 * action. What a deployment cannot measure is approximated, and only that:
 * - prompt tokens are not recorded, so the quality bonus weighs each served request by its generated tokens
 *   (Σ Q·generated / Σ generated) instead of by prompt + completion;
 * - a request that got no first token (failed, cancelled, no ready engine) counts as waiting for as long as it
 *   waited (its e2e time, or the whole window when it never reached an engine), with the default waiting Q —
 *   the simulator's rule for a request still queued at the trigger.
 * TTFT, TPOT, the action penalty and the affinity bonus (from the layout in effect) are the simulator's.
 */
import type { ResolvedTrainingConfig } from '../config/index.js';
import {
  computeReward,
  type RewardBreakdown,
  type RewardEngineView,
  type RewardRequestView,
} from '../control/index.js';
import type { AgentName, LogicalProfile } from '../mig/index.js';
import { hardwareProfileOf } from '../mig/index.js';
import { type DesiredGpu, gpuSlots, type SlotPlan } from './deploy-state.js';
import type { RequestRecord } from './publisher.js';
import { type PermanentGpu, permanentSlots, profilesOf } from './reconcile.js';

export interface WindowRewardInput {
  /** Every request of the window. */
  readonly records: readonly RequestRecord[];
  /** The real GPUs' layout in effect during the window. */
  readonly desired: readonly DesiredGpu[];
  readonly permanent: readonly PermanentGpu[];
  /** Enum order (the reward's agent indices). */
  readonly agents: readonly AgentName[];
  /** Whether the decision this window scores took an action (the action penalty). */
  readonly tookAction: boolean;
  /** Nominal window length: how long a request that never reached an engine waited. */
  readonly windowS: number;
  readonly training: ResolvedTrainingConfig;
}

const view = (s: SlotPlan, owner: number): RewardEngineView => ({
  profile: { name: s.hardware, size: s.sizeSlices },
  permanent: s.permanent,
  owner,
});

export function windowReward(o: WindowRewardInput): RewardBreakdown {
  const agentIndex = (a: string) => o.agents.indexOf(a as AgentName);
  const real = o.desired.flatMap((d) => gpuSlots(d, profilesOf(d.model)));
  const perm = permanentSlots(o.permanent);
  const gpus = [...new Set([...real, ...perm].map((s) => s.gpu))].sort((a, b) => a - b);
  const gpuEngines = gpus.map((g) =>
    [...real, ...perm].filter((s) => s.gpu === g).map((s) => view(s, agentIndex(s.agent))),
  );
  // The engine that served a record: permanent slots by key; real ones by GPU and logical profile, so a slot the
  // window's reconfiguration replaced still has its hardware profile.
  const engineOf = (r: RequestRecord, owner: number): RewardEngineView => {
    const p = r.slot ? perm.find((s) => s.key === r.slot) : undefined;
    if (p) return view(p, owner);
    const g = r.slot ? Number(/^gpu(\d+)-/.exec(r.slot)?.[1]) : Number.NaN;
    const d = o.desired.find((x) => x.gpu === g);
    if (d && r.profile && r.profile !== 'permanent') {
      const hw = hardwareProfileOf(profilesOf(d.model), r.profile as LogicalProfile);
      return { profile: { name: hw.name, size: hw.sizeSlices }, permanent: false, owner };
    }
    // Never served: any engine of the agent carries it (its Q is not read: nothing was prefilled).
    const own =
      perm.find((s) => s.agent === o.agents[owner]) ?? real.find((s) => s.agent === o.agents[owner]);
    return own ? view(own, owner) : { profile: { name: 'none', size: 0 }, permanent: true, owner };
  };
  const requests: RewardRequestView[][] = o.agents.map(() => []);
  for (const r of o.records) {
    const k = agentIndex(r.agent);
    if (k < 0) continue;
    const served = r.status === 'completed' && r.ttftS > 0 && r.completionTokens > 0;
    const waitedS = r.e2eS > 0 ? r.e2eS : o.windowS;
    requests[k]!.push({
      // Times relative to "now" = 0: a served request's TTFT is measured; an unserved one waited `waitedS`.
      arrivalTimeS: served ? 0 : -waitedS,
      hasFirstToken: served,
      firstTokenTimeS: served ? r.ttftS : -1,
      decodeTimeS: served ? r.tpotS * r.completionTokens : 0,
      promptTokens: 0,
      completionTokens: r.completionTokens,
      prefilledTokens: 0,
      generatedTokens: served ? r.completionTokens : 0,
      servingEngine: engineOf(r, k),
    });
  }
  return computeReward(o.training.reward, {
    agents: o.agents,
    requests,
    tookAction: o.tookAction,
    nowS: 0,
    gpuEngines,
    defaultWaitingQj: o.training.normalization.defaultWaitingQj,
  });
}
