/** RAG_SEARCH_COMPLETE: the retrieval delay is over, so the RAG request is dispatched now. */
import type { SimRequest } from '../entities/request.js';
import type { Simulator } from '../simulator.js';

export function handleRagSearchComplete(sim: Simulator, request: SimRequest): void {
  sim.dispatch(sim.agents[request.agent]!, request);
}
