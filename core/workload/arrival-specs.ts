/**
 * Batches cross into the simulator either as columns (no object per arrival: the hot path) or, for callers that
 * hold a trace as objects (the bench's replay), as `ArrivalSpec`s.
 */
import type { ArrivalColumns, ArrivalSpec } from '../sim/index.js';
import type { ArrivalBatch } from './request-loader.js';

export function toArrivalSpecs(batch: ArrivalBatch): ArrivalSpec[] {
  const out = new Array<ArrivalSpec>(batch.arrivalTimesS.length);
  for (let i = 0; i < out.length; i++) {
    out[i] = { agent: batch.agent, arrivalTimeS: batch.arrivalTimesS[i]!, itemIndex: batch.itemIndices[i]! };
  }
  return out;
}

/** One batch as columns (the agent column filled with its index). */
export function toArrivalColumns(batch: ArrivalBatch): ArrivalColumns {
  return {
    agents: new Uint8Array(batch.arrivalTimesS.length).fill(batch.agent),
    arrivalTimesS: batch.arrivalTimesS,
    itemIndices: batch.itemIndices,
  };
}

/** Several parts, in order, as one column set (what the simulator queues in one go). */
export function concatArrivals(parts: readonly (readonly ArrivalSpec[] | ArrivalColumns)[]): ArrivalColumns {
  const lengthOf = (p: readonly ArrivalSpec[] | ArrivalColumns) =>
    'arrivalTimesS' in p ? p.arrivalTimesS.length : p.length;
  const n = parts.reduce((s, p) => s + lengthOf(p), 0);
  const agents = new Uint8Array(n);
  const arrivalTimesS = new Float64Array(n);
  const itemIndices = new Int32Array(n);
  let k = 0;
  for (const p of parts) {
    if ('arrivalTimesS' in p) {
      for (let i = 0; i < p.arrivalTimesS.length; i++, k++) {
        agents[k] = p.agents[i]!;
        arrivalTimesS[k] = p.arrivalTimesS[i]!;
        itemIndices[k] = p.itemIndices[i]!;
      }
    } else {
      for (const a of p as readonly ArrivalSpec[]) {
        agents[k] = a.agent;
        arrivalTimesS[k] = a.arrivalTimeS;
        itemIndices[k] = a.itemIndex;
        k++;
      }
    }
  }
  return { agents, arrivalTimesS, itemIndices };
}
