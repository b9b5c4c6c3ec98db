/**
 * `idle_merge`, migflow's timed-merge policy (not one of the reference's baselines; not in `--bl all`): the
 * static_split_extreme layout, except that a managed GPU whose agent has gone idle is merged to one full slice for
 * a set time and then split back before the agent's load returns.
 *
 * Why: the training reward's quality term pays a 7g slice ten times a 1g one (core/control/reward.ts), so an idle
 * agent's few requests are worth far more on one merged GPU; but an agent whose load returns while its GPU is still
 * merged waits through every engine's restart (splitting back only when the load rises cost −2,493 on the default
 * bench trace, perf/results/scripted-common.json). The workload's idle phases last 3,600–4,800 s
 * (bench_config `workloads.idle.duration`), so splitting back `hold_s` (default 3,300 s) after the idle clock
 * started leaves the restart done before the shortest idle phase ends.
 *
 * The idle clock is the observation's (core/control/time-features.ts): seconds since the agent's interval arrival
 * rate was last at or above `idle_rate`, read at each decision. So a policy network whose observation carries the
 * clocks (`training.time_features` with the same idle rate) sees everything this policy decides on, and warm start
 * can clone it (`--warm-start idle_merge`).
 */
import type { StateId } from '../../mig/index.js';
import { NO_ACTION } from '../../mig/index.js';
import { staticTargetState, stepTowardState } from './layout-reaching.js';
import type { Policy } from './policy.js';

export const idleMerge = (): Policy => {
  /** Per agent (enum index): when its rate was last seen at or above the idle rate; undefined before the first decision. */
  let busySeenS: Float64Array | undefined;
  return {
    name: 'idle_merge',
    runName: 'IDLE_MERGE',
    initialMode: 'random',
    decide(_observation, mask, context) {
      const { cluster, simulation } = context;
      const { idleRateReqS, holdS } = context.bench.idleMerge;
      const now = cluster.nowS;
      const agents = simulation.agentsEnumOrder;
      if (busySeenS === undefined) busySeenS = new Float64Array(agents.length).fill(now);
      for (let a = 0; a < agents.length; a++) {
        if (cluster.metrics.arrivalRate(a, now) >= idleRateReqS) busySeenS[a] = now;
      }
      for (const spec of simulation.cluster) {
        // A managed GPU serves the agent it starts with (core/config's initial agents); others are left alone.
        const home = spec.managed ? spec.initialAgents[0] : undefined;
        if (home === undefined) continue;
        const idleS = now - busySeenS[agents.indexOf(home)]!;
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
