/** REQUEST_ARRIVAL: the request joins its agent's interval list; non-RAG agents dispatch it at once. */
import type { SimRequest } from '../entities/request.js';
import { dispatch } from '../serving.js';
import type { SimState } from '../state.js';
import type { Successors } from '../successors.js';

export function handleRequestArrival(state: SimState, request: SimRequest, out: Successors): void {
  state.metrics.onArrival(request);
  const agent = state.agents[request.agent]!;
  // The RAG agent dispatches when its search completes; TTFT still counts from arrival.
  if (agent.isRag) return;
  dispatch(state, agent, request, out);
}
