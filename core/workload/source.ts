/** What the environment draws arrivals from: the training workload, a recorded trace, or a replayed bench trace. */
import type { ArrivalColumns, ArrivalSpec } from '../sim/index.js';

/** Produces one batch of arrivals for an agent, starting at `startS` (as columns or as objects). */
export interface WorkloadSource {
  generate(agent: number, startS: number, turn: number): readonly ArrivalSpec[] | ArrivalColumns;
}
