/**
 * RESOURCE_MANAGER_TRIGGER, the decision: integrate up to now, close the interval, advance every "steps
 * since" counter; for an action also stamp split/merge/give/receive, restart the 1800 s refresh timer (a
 * successor that replaces the pending refresh), charge a fresh cost draw against the budget (it may go
 * negative), open episodes and start draining. Returns the refresh, the shutdowns of idle sources and the
 * steps of engines kicked after the decision, in that order.
 */
import { GeometryError } from '../../errors.js';
import { predictActionCostS } from '../action-cost.js';
import { EventKind, ReconfigKind } from '../constants.js';
import { triggerShutdown } from '../engine-lifecycle.js';
import type { SimEngine } from '../entities/engine.js';
import { ActionHistoryKey } from '../metrics.js';
import type { SimAction } from '../reconfig-plan.js';
import { kickEngines } from '../serving.js';
import type { SimState } from '../state.js';
import type { Successors } from '../successors.js';

export function handleResourceManagerTrigger(
  state: SimState,
  action: SimAction | null,
  out: Successors,
): void {
  const m = state.metrics;
  m.recordAdvance(state);
  m.resetForNextInterval(state.nowS, state.agents);
  m.advanceAllLastActions();
  if (action === null) {
    kickEngines(state, out);
    return;
  }
  const layout = state.gpuEngines(action.gpu);
  const sources = action.sources.map((idx) => {
    const e = layout[idx];
    if (e === undefined) {
      throw new GeometryError(
        String(action.gpu),
        `state ${state.gpuState(action.gpu)}`,
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
    const receiver = state.requireReceiver(action);
    m.setLastAction(first.owner, ActionHistoryKey.Give, first.size, receiver);
    m.setLastAction(receiver, ActionHistoryKey.Receive, first.size);
  }
  out.add(state.nowS + state.refreshS, EventKind.RefreshActionBudget, null);
  const costS = predictActionCostS(state, action);
  m.budgetS -= costS;
  m.lastActionDowntimeS = costS;

  openEpisodes(state, action);
  m.reconfigFlag = true;
  execute(state, action, sources, out);
  kickEngines(state, out);
  state.advanceEpisodes();
}

/** One episode per agent the action touches: the owners of its sources, then the receiver. */
function openEpisodes(state: SimState, action: SimAction): void {
  const affected: number[] = [];
  const layout = state.gpuEngines(action.gpu);
  for (const idx of action.sources) {
    const e = layout[idx];
    if (e !== undefined && !affected.includes(e.owner)) affected.push(e.owner);
  }
  if (action.receiver !== undefined && !affected.includes(action.receiver)) affected.push(action.receiver);
  state.episodes.openFor(affected, action.kind, state.nowS, action.receiver);
}

function execute(state: SimState, action: SimAction, sources: SimEngine[], out: Successors): void {
  const first = sources[0]!;
  switch (action.kind) {
    case ReconfigKind.Transfer:
      triggerShutdown(state, first, { purpose: 'reallocate', receiver: state.requireReceiver(action) }, out);
      break;
    case ReconfigKind.Split:
      triggerShutdown(
        state,
        first,
        {
          purpose: 'split',
          gpu: action.gpu,
          owner: first.owner,
          targets: action.targets,
          targetStateId: action.targetStateId,
        },
        out,
      );
      break;
    case ReconfigKind.Merge: {
      const drained: SimEngine[] = [];
      for (const e of sources) {
        triggerShutdown(
          state,
          e,
          {
            purpose: 'merge',
            gpu: action.gpu,
            owner: first.owner,
            group: sources,
            drained,
            targets: action.targets,
            targetStateId: action.targetStateId,
          },
          out,
        );
      }
      break;
    }
  }
}
