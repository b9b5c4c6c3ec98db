/**
 * ENGINE_SHUTDOWN_COMPLETE: a drained engine is reallocated to its receiver (same engine, new model and
 * parameters), or replaced by the split's engines, or — once every source has drained — merged into one.
 * New engines boot; then the GPU layouts are re-synced.
 */
import type { SimEngine } from '../entities/engine.js';
import type { ShutdownEvent, ShutdownPlan } from '../reconfig-plan.js';
import type { Simulator } from '../simulator.js';

export function handleEngineShutdownComplete(sim: Simulator, ev: ShutdownEvent): void {
  const { engine, plan } = ev;
  switch (plan.purpose) {
    case 'reallocate':
      reallocate(sim, engine, plan.receiver);
      break;
    case 'split':
      split(sim, engine, plan);
      break;
    case 'merge':
      merge(sim, engine, plan);
      break;
  }
  sim.advanceEpisodes();
}

function reallocate(sim: Simulator, engine: SimEngine, receiver: number): void {
  sim.agents[engine.owner]!.removeEngine(engine);
  sim.configureEngine(engine, receiver);
  sim.agents[receiver]!.engines.push(engine);
  sim.syncLayout();
  sim.bootEngine(engine, 'reallocate', null);
}

function split(sim: Simulator, engine: SimEngine, plan: Extract<ShutdownPlan, { purpose: 'split' }>): void {
  const pivot = engine.migIndex;
  sim.removeEngine(engine, plan.owner);
  sim.invalidateIndices(plan.gpu, pivot, plan.targets);
  const layout = sim.cluster.states.profilesOf(plan.targetStateId);
  const created: SimEngine[] = [];
  for (const idx of plan.targets) {
    const e = sim.createEngine(plan.gpu, layout[idx]!, plan.owner, idx, sim.nowS, false, false);
    sim.agents[plan.owner]!.engines.push(e);
    created.push(e);
  }
  for (const e of created) sim.bootEngine(e, 'split', created);
  sim.syncLayout();
}

function merge(sim: Simulator, engine: SimEngine, plan: Extract<ShutdownPlan, { purpose: 'merge' }>): void {
  plan.drained.push(engine);
  // Sources that drained earlier wait, idle and DRAINING, for the last one.
  if (plan.drained.length < plan.group.length) return;
  let pivot = Number.POSITIVE_INFINITY;
  for (const e of plan.group) if (e.alive && e.migIndex < pivot) pivot = e.migIndex;
  sim.invalidateIndices(plan.gpu, pivot === Number.POSITIVE_INFINITY ? -1 : pivot, plan.targets);
  for (const e of plan.group) sim.removeEngine(e, plan.owner);
  const idx = plan.targets[0]!;
  const logical = sim.cluster.states.profilesOf(plan.targetStateId)[idx]!;
  const merged = sim.createEngine(plan.gpu, logical, plan.owner, idx, sim.nowS, false, false);
  sim.bootEngine(merged, 'plain', null);
  sim.agents[plan.owner]!.engines.push(merged);
  sim.syncLayout();
}
