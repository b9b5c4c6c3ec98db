/** The decision point the heuristic and QAS unit tests start from, and its action mask. */
import { actionMask, seededEnvRng } from '../../../core/control/index.js';
import { clusterSpecFromConfig, initialLayout, Simulator } from '../../../core/sim/index.js';
import { constantTokens, sim3, training } from '../rl/setup.js';

/** B200 × 3 agents on the no_mig layout at its first decision, no traffic, budget full, no cooldowns. */
export function noMigSim(): Simulator {
  const sim = new Simulator({
    cluster: clusterSpecFromConfig(sim3, constantTokens),
    rng: seededEnvRng(5),
    actionIntervalS: training.actionIntervalS,
    budgetS: training.budgetS,
    refreshS: training.refreshPeriodS,
    cooldownSteps: training.actionCooldownSteps,
    queueTrace: false,
  });
  sim.reset(initialLayout(sim3, 'no_mig', seededEnvRng(1)));
  sim.addArrivals([{ agent: 0, arrivalTimeS: 1e7, itemIndex: 0 }]);
  sim.scheduleTriggers(4);
  sim.run();
  return sim;
}

export const maskOf = (sim: Simulator) =>
  actionMask(sim, 3, sim3.cluster, { cooldownSteps: training.actionCooldownSteps });
