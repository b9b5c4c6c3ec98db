/**
 * Draining and booting an engine during a reconfiguration: the state change and the completion event each
 * schedules (added to the successors, never pushed to a queue).
 */
import { EngineStatus, EventKind } from './constants.js';
import { takeShutdownPlan } from './engine-step.js';
import type { SimEngine } from './entities/engine.js';
import type { BootEvent, ShutdownPlan } from './reconfig-plan.js';
import type { SimState } from './state.js';
import type { Successors } from './successors.js';

/**
 * Starts draining: the engine takes no new requests but finishes its own. An idle engine shuts down at once (at
 * its clock, handled after the current trigger); a busy one stores the plan and its last step returns the shutdown.
 */
export function triggerShutdown(
  state: SimState,
  engine: SimEngine,
  plan: ShutdownPlan,
  out: Successors,
): void {
  engine.status = EngineStatus.Draining;
  if (engine.clockS < state.nowS) engine.clockS = state.nowS;
  engine.shutdownPending = plan;
  if (!engine.hasWork) {
    out.add(engine.clockS, EventKind.EngineShutdownComplete, { engine, plan: takeShutdownPlan(engine) });
  }
}

/** BOOTING until the engine's clock + its restart time. */
export function bootEngine(
  state: SimState,
  engine: SimEngine,
  purpose: BootEvent['purpose'],
  siblings: readonly SimEngine[] | null,
  out: Successors,
): void {
  engine.status = EngineStatus.Booting;
  state.metrics.countsDirty = true;
  out.add(engine.clockS + engine.restartTimeS, EventKind.EngineBootComplete, { engine, purpose, siblings });
}
