/**
 * A recorded arrival trace as the simulator's workload: its arrivals as `ArrivalSpec`s and its token counts as the
 * token tables (every model of an agent sees the trace's own lengths, since the trace recorded what was asked and
 * answered). `TraceWorkload` is the environment's `WorkloadSource` for training on a trace: every episode replays
 * the trace from t = 0, and when an episode outlasts it the trace repeats after the latest arrival.
 */
import type { AgentName } from '../mig/index.js';
import type { ArrivalSpec, TokenTable } from '../sim/index.js';
import type { ArrivalTrace } from './arrival-csv.js';
import type { WorkloadSource } from './source.js';

/** Token tables indexed like the trace's requests (item i = the agent's i-th request). */
export function traceTokenTables(trace: ArrivalTrace): (agent: AgentName, model: string) => TokenTable {
  const byAgent = new Map<string, TokenTable>(
    trace.agents.map((a) => [
      a.agent,
      { promptTokens: a.promptTokens, completionTokens: a.completionTokens },
    ]),
  );
  const empty: TokenTable = { promptTokens: new Int32Array(0), completionTokens: new Int32Array(0) };
  return (agent) => byAgent.get(agent) ?? empty;
}

/** The agent's requests shifted by `offsetS`, item index = request index; only those before `untilS`. */
export function traceArrivals(
  trace: ArrivalTrace,
  agent: number,
  offsetS = 0,
  untilS = Infinity,
): ArrivalSpec[] {
  const a = trace.agents[agent];
  if (!a) return [];
  const out: ArrivalSpec[] = [];
  for (let i = 0; i < a.arrivalTimesS.length; i++) {
    const t = a.arrivalTimesS[i]! + offsetS;
    if (t >= untilS) break;
    out.push({ agent, arrivalTimeS: t, itemIndex: i });
  }
  return out;
}

export class TraceWorkload implements WorkloadSource {
  constructor(private readonly trace: ArrivalTrace) {}

  generate(agent: number, startS: number, turn: number): ArrivalSpec[] {
    if (turn === 0) return traceArrivals(this.trace, agent);
    // Later turns top up after the agent's latest pending arrival, one mean gap later.
    const a = this.trace.agents[agent];
    const n = a?.arrivalTimesS.length ?? 0;
    const meanGapS = n > 1 ? a!.arrivalTimesS[n - 1]! / (n - 1) : 1;
    return traceArrivals(this.trace, agent, startS + meanGapS);
  }
}
