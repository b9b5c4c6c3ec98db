/**
 * ENGINE_SHUTDOWN_COMPLETE: a drained engine is reallocated to its receiver (same engine, new model and
 * parameters), or replaced by the split's engines, or — once every source has drained — merged into one.
 * Returns the boots of the engines that start; the GPU layouts are re-synced.
 */
import { bootEngine } from '../engine-lifecycle.js';
import type { SimEngine } from '../entities/engine.js';
import type { ShutdownEvent, ShutdownPlan } from '../reconfig-plan.js';
import type { SimState } from '../state.js';
import type { Successors } from '../successors.js';

export function handleEngineShutdownComplete(state: SimState, ev: ShutdownEvent, out: Successors): void {
  const { engine, plan } = ev;
  switch (plan.purpose) {
    case 'reallocate':
      reallocate(state, engine, plan.receiver, out);
      break;
    case 'split':
      split(state, engine, plan, out);
      break;
    case 'merge':
      merge(state, engine, plan, out);
      break;
  }
  state.metrics.countsDirty = true;
  state.advanceEpisodes();
}

function reallocate(state: SimState, engine: SimEngine, receiver: number, out: Successors): void {
  state.agents[engine.owner]!.removeEngine(engine);
  state.configureEngine(engine, receiver);
  state.agents[receiver]!.engines.push(engine);
  state.syncLayout();
  bootEngine(state, engine, 'reallocate', null, out);
}

function split(
  state: SimState,
  engine: SimEngine,
  plan: Extract<ShutdownPlan, { purpose: 'split' }>,
  out: Successors,
): void {
  const pivot = engine.migIndex;
  state.removeEngine(engine, plan.owner);
  state.invalidateIndices(plan.gpu, pivot, plan.targets);
  const layout = state.cluster.states.profilesOf(plan.targetStateId);
  const created: SimEngine[] = [];
  for (const idx of plan.targets) {
    const e = state.createEngine(plan.gpu, layout[idx]!, plan.owner, idx, state.nowS, false, false);
    state.agents[plan.owner]!.engines.push(e);
    created.push(e);
  }
  for (const e of created) bootEngine(state, e, 'split', created, out);
  state.syncLayout();
}

function merge(
  state: SimState,
  engine: SimEngine,
  plan: Extract<ShutdownPlan, { purpose: 'merge' }>,
  out: Successors,
): void {
  plan.drained.push(engine);
  // Sources that drained earlier wait, idle and DRAINING, for the last one.
  if (plan.drained.length < plan.group.length) return;
  let pivot = Number.POSITIVE_INFINITY;
  for (const e of plan.group) if (e.alive && e.migIndex < pivot) pivot = e.migIndex;
  state.invalidateIndices(plan.gpu, pivot === Number.POSITIVE_INFINITY ? -1 : pivot, plan.targets);
  for (const e of plan.group) state.removeEngine(e, plan.owner);
  const idx = plan.targets[0]!;
  const logical = state.cluster.states.profilesOf(plan.targetStateId)[idx]!;
  const merged = state.createEngine(plan.gpu, logical, plan.owner, idx, state.nowS, false, false);
  bootEngine(state, merged, 'plain', null, out);
  state.agents[plan.owner]!.engines.push(merged);
  state.syncLayout();
}
