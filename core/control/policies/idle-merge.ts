/**
 * `idle_merge`, migflow's timed-merge policy (not one of the reference's baselines; not in `--bl all`): the
 * static_split_extreme layout, except that a managed GPU whose agent has gone idle is merged to one full slice for
 * a set time and then split back before the agent's load returns.
 *
 * Why: the training reward's quality term pays a 7g slice ten times a 1g one (core/control/reward.ts), so an idle
 * agent's few requests are worth far more on one merged GPU; but an agent whose load returns while its GPU is still
 * merged waits through every engine's restart (splitting back only when the load rises cost −1,890 on the default
 * bench trace: perf/scripted.ts's `idle_merge_reactive`, perf/results/scripted-common.json). The workload's idle
 * phases last 3,600–4,800 s (bench_config `workloads.idle.duration`), so splitting back `hold_s` (default 3,300 s)
 * after the idle clock started leaves the restart done before the shortest idle phase ends.
 *
 * The idle clock is the observation's (core/control/idle-clocks.ts, one rule for both): seconds since the agent's
 * interval arrival rate was last at or above `training.time_features.idle_rate`, read at each decision. So a policy
 * network whose observation carries the clocks (`training.time_features`) sees everything this policy decides on,
 * and warm start can clone it (`--warm-start idle_merge`).
 */
import type { StateId } from '../../mig/index.js';
import { NO_ACTION } from '../../mig/index.js';
import { IdleClocks } from '../idle-clocks.js';
import { staticTargetState, stepTowardState } from './layout-reaching.js';
import type { Policy, PolicyContext } from './policy.js';

/** The clocks a decision reads: the host's (a deployment's, continued across windows) or the policy's own. */
function decisionClocks(context: PolicyContext, own: () => IdleClocks): IdleClocks {
  const host = context.idleClocks;
  if (!host) {
    const clocks = own();
    clocks.observe(context.cluster);
    return clocks;
  }
  // The host brought them to this decision already; judged by another idle rate they would not be this policy's.
  if (host.idleRateReqS !== context.training.idleRateReqS)
    throw new RangeError(
      `idle_merge: the host's idle clocks count idle below ${host.idleRateReqS} req/s, the training config below ${context.training.idleRateReqS}`,
    );
  return host;
}

/**
 * `holdS`: the hold instead of the bench config's `idle_merge.hold_s` (perf/scripted.ts's `idle_merge_H` family;
 * Infinity splits back only when the rate rises again).
 */
export const idleMerge = (o: { holdS?: number; name?: string } = {}): Policy => {
  /** Its own idle clocks (agents in enum order), made at the first decision that has no host's. */
  let own: IdleClocks | undefined;
  return {
    name: o.name ?? 'idle_merge',
    runName: o.name ?? 'IDLE_MERGE',
    initialMode: 'random',
    usesIdleClocks: true,
    decide(_observation, mask, context) {
      const { simulation } = context;
      const holdS = o.holdS ?? context.bench.idleMerge.holdS;
      const agents = simulation.agentsEnumOrder;
      const clocks = decisionClocks(context, () => {
        own ??= new IdleClocks(
          context.training.idleRateReqS,
          agents.map((_, a) => a),
        );
        return own;
      });
      for (const spec of simulation.cluster) {
        // A managed GPU serves the agent it starts with (core/config's initial agents); others are left alone.
        const home = spec.managed ? spec.initialAgents[0] : undefined;
        if (home === undefined) continue;
        const idleS = clocks.idleS(agents.indexOf(home));
        const target: StateId = staticTargetState(
          spec.validStates,
          idleS > 0 && idleS < holdS ? 'no_mig' : 'split_extreme',
        );
        const a = stepTowardState(mask, context, spec.gpu, target);
        if (a >= 0) return a;
      }
      return NO_ACTION;
    },
  };
};
