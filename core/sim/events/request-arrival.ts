/** REQUEST_ARRIVAL: the request joins its agent's interval list; non-RAG agents dispatch it at once. */
import type { SimRequest } from '../entities/request.js';
import type { Simulator } from '../simulator.js';

export function handleRequestArrival(sim: Simulator, request: SimRequest): void {
  sim.metrics.onArrival(request);
  const agent = sim.agents[request.agent]!;
  // The RAG agent dispatches when its search completes; TTFT still counts from arrival.
  if (agent.isRag) return;
  sim.dispatch(agent, request);
}
