/** ENGINE_STEP_COMPLETE: continue the engine's iterations up to its owner's next stop. */
import type { SimEngine } from '../entities/engine.js';
import { step } from '../serving.js';
import type { SimState } from '../state.js';
import type { Successors } from '../successors.js';

export function handleEngineStepComplete(state: SimState, engine: SimEngine, out: Successors): void {
  // An engine replaced by a split or merge can still have a step event pending (double step chains):
  // it has no work left, so the step is a no-op.
  if (!engine.alive) return;
  step(state, engine, state.nextStopS(engine.owner), out);
}
