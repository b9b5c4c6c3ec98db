/**
 * RESOURCE_MANAGER_TRIGGER, the decision: integrate up to now, close the interval, advance every "steps
 * since" counter; for an action also stamp split/merge/give/receive, restart the 1800 s refresh timer,
 * charge a fresh cost draw against the budget (it may go negative), open episodes and start draining.
 */
import { GeometryError } from '../../errors.js';
import { ReconfigKind } from '../constants.js';
import type { SimEngine } from '../entities/engine.js';
import { ActionHistoryKey } from '../metrics.js';
import type { SimAction } from '../reconfig-plan.js';
import type { Simulator } from '../simulator.js';

export function handleResourceManagerTrigger(sim: Simulator, action: SimAction | null): void {
  const m = sim.metrics;
  m.recordAdvance(sim.nowS, sim.agents);
  m.resetForNextInterval(sim.nowS, sim.agents);
  m.advanceAllLastActions();
  if (action === null) {
    sim.kickEngines();
    return;
  }
  const layout = sim.gpuEngines(action.gpu);
  const sources = action.sources.map((idx) => {
    const e = layout[idx];
    if (e === undefined) {
      throw new GeometryError(
        String(action.gpu),
        `state ${sim.gpuState(action.gpu)}`,
        `state ${action.targetStateId}`,
        `${action.kind} names MIG index ${idx}, which the current layout does not have`,
      );
    }
    return e;
  });
  const first = sources[0];
  if (first === undefined) {
    throw new GeometryError(
      String(action.gpu),
      '?',
      String(action.targetStateId),
      `${action.kind} has no source`,
    );
  }
  if (action.kind === ReconfigKind.Split) m.setLastAction(first.owner, ActionHistoryKey.Split);
  else if (action.kind === ReconfigKind.Merge) m.setLastAction(first.owner, ActionHistoryKey.Merge);
  if (action.kind === ReconfigKind.Transfer) {
    const receiver = sim.requireReceiver(action);
    m.setLastAction(first.owner, ActionHistoryKey.Give, first.size, receiver);
    m.setLastAction(receiver, ActionHistoryKey.Receive, first.size);
  }
  sim.restartRefreshTimer();
  const costS = sim.predictActionCostS(action);
  m.budgetS -= costS;
  m.lastActionDowntimeS = costS;

  sim.openEpisodes(action);
  m.reconfigFlag = true;
  execute(sim, action, sources);
  sim.kickEngines();
  sim.advanceEpisodes();
}

function execute(sim: Simulator, action: SimAction, sources: SimEngine[]): void {
  const first = sources[0]!;
  switch (action.kind) {
    case ReconfigKind.Transfer:
      sim.triggerShutdown(first, { purpose: 'reallocate', receiver: sim.requireReceiver(action) });
      break;
    case ReconfigKind.Split:
      sim.triggerShutdown(first, {
        purpose: 'split',
        gpu: action.gpu,
        owner: first.owner,
        targets: action.targets,
        targetStateId: action.targetStateId,
      });
      break;
    case ReconfigKind.Merge: {
      const drained: SimEngine[] = [];
      for (const e of sources) {
        sim.triggerShutdown(e, {
          purpose: 'merge',
          gpu: action.gpu,
          owner: first.owner,
          group: sources,
          drained,
          targets: action.targets,
          targetStateId: action.targetStateId,
        });
      }
      break;
    }
  }
}
