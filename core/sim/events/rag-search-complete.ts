/** RAG_SEARCH_COMPLETE: the retrieval delay is over, so the RAG request is dispatched now. */
import type { SimRequest } from '../entities/request.js';
import { dispatch } from '../serving.js';
import type { SimState } from '../state.js';
import type { Successors } from '../successors.js';

export function handleRagSearchComplete(state: SimState, request: SimRequest, out: Successors): void {
  dispatch(state, state.agents[request.agent]!, request, out);
}
