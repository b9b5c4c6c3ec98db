/**
 * A recorded arrival trace (arrival-csv.ts) as the benchmark's shared trace: the same replay to every policy as the
 * generated one, cut at the benchmark's horizon. It has no pattern phases, so pattern-based outputs (tokens by
 * pattern, the pattern check of recovery analysis) see one undivided workload and the figures plot arrival rates.
 */

import type { ArrivalTrace } from './arrival-csv.js';
import type { BenchTrace } from './bench-trace.js';
import { traceArrivals } from './trace-workload.js';

export function benchTraceFromArrivals(trace: ArrivalTrace, horizonS: number): BenchTrace {
  const agents = trace.agents.map((a, j) => ({
    agent: a.agent,
    seed: 0n,
    arrivals: traceArrivals(trace, j, 0, horizonS),
    phases: [],
  }));
  return { horizonS, agents, totalRequests: agents.reduce((s, a) => s + a.arrivals.length, 0) };
}
