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
 * The idle clock is the observation's (core/control/idle-clocks.ts, one rule for both): seconds since the agent's
 * interval arrival rate was last at or above `training.time_features.idle_rate`, read at each decision. So a policy
 * network whose observation carries the clocks (`training.time_features`) sees everything this policy decides on,
 * and warm start can clone it (`--warm-start idle_merge`).
 */
import type { StateId } from '../../mig/index.js';
import { NO_ACTION } from '../../mig/index.js';
import { IdleClocks } from '../idle-clocks.js';
import { staticTargetState, stepTowardState } from './layout-reaching.js';
import type { Policy } from './policy.js';

export const idleMerge = (): Policy => {
  /** Its own idle clocks, made at the first decision (the agent count and idle rate are the context's). */
  let own: IdleClocks | undefined;
  return {
    name: 'idle_merge',
    runName: 'IDLE_MERGE',
    initialMode: 'random',
    decide(_observation, mask, context) {
      const { cluster, simulation } = context;
      const { holdS } = context.bench.idleMerge;
      const agents = simulation.agentsEnumOrder;
      own ??= new IdleClocks(
        context.training.idleRateReqS,
        agents.map((_, a) => a),
      );
      own.observe(cluster);
      const clocks = own;
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
