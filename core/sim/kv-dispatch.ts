/**
 * The KV-capacity rule's second half (kv-admission.ts): when an engine becomes ACTIVE, the requests parked for its
 * agent that it holds are dispatched again, oldest first, by the rule's dispatch (so each goes to the best engine
 * that holds it, not necessarily this one).
 */
import type { SimEngine } from './entities/engine.js';
import { dispatch } from './serving.js';
import type { SimState } from './state.js';
import type { Successors } from './successors.js';

export function dispatchParked(state: SimState, engine: SimEngine, out: Successors): void {
  const kv = state.kv;
  if (kv === null) return;
  const agent = state.agents[engine.owner];
  if (agent === undefined) return;
  for (const r of kv.takeHeldBy(engine)) dispatch(state, agent, r, out);
}
