/**
 * The simulator's side: one engine of `agent` alone on the configured GPU and profile (the fitted parameters of the
 * simulation config), the agent's trace as arrivals, run to the end. The RAG agent's search delay is left out: the
 * engine side has none, and the comparison is of the serving model.
 */
import type { ResolvedSimulationConfig } from '../../config/index.js';
import { CPythonRandom } from '../../random/index.js';
import { clusterSpecFromConfig, Simulator, tpotS, ttftS } from '../../sim/index.js';
import type { RequestTiming } from './measure.js';
import type { TraceRequest } from './trace.js';

export function simulateTrace(
  cfg: ResolvedSimulationConfig,
  agent: number,
  gpu: number,
  logicalProfile: number,
  trace: readonly TraceRequest[],
  seed: number,
): RequestTiming[] {
  const table = {
    promptTokens: trace.map((r) => r.promptTokens),
    completionTokens: trace.map((r) => r.completionTokens),
  };
  const base = clusterSpecFromConfig(cfg, () => table);
  const spec = { ...base, agents: base.agents.map((a) => ({ name: a.name })) };
  const sim = new Simulator({ cluster: spec, rng: new CPythonRandom(seed), queueTrace: false });
  sim.reset([{ gpu, logicalProfile, agent }]);
  sim.addArrivals(trace.map((r, i) => ({ agent, arrivalTimeS: r.arrivalS, itemIndex: i })));
  while (sim.run()) {
    // No decisions: the layout stays as it is.
  }
  // In trace order: request i here is request i of the engine's replay (the bootstrap pairs them).
  const done = sim.agents[agent]!.completed.toArray().sort((a, b) => a.itemIndex - b.itemIndex);
  if (done.length !== trace.length) {
    throw new Error(`the simulator finished ${done.length} of the trace's ${trace.length} requests`);
  }
  return done.map((r) => ({
    arrivalS: r.arrivalTimeS,
    ttftS: ttftS(r),
    // vLLM's TPOT excludes the first token: (latency − TTFT) / (n − 1); the simulator's decode time covers n tokens.
    tpotS: r.generatedTokens > 1 ? (r.finishTimeS - r.firstTokenTimeS) / (r.generatedTokens - 1) : tpotS(r),
    finishS: r.finishTimeS,
    completionTokens: r.generatedTokens,
  }));
}
