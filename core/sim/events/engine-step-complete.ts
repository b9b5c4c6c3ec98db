/** ENGINE_STEP_COMPLETE: continue the engine's iterations up to its owner's next stop. */
import type { SimEngine } from '../entities/engine.js';
import type { Simulator } from '../simulator.js';

export function handleEngineStepComplete(sim: Simulator, engine: SimEngine): void {
  // An engine replaced by a split or merge can still have a step event pending (double step chains):
  // it has no work left, so the step is a no-op.
  if (!engine.alive) return;
  sim.stepAndSchedule(engine, sim.nextStopS(engine.owner));
}
