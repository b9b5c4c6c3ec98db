/** The simulator takes arrivals as objects; this converts a typed-array batch at the boundary. */
import type { ArrivalSpec } from '../sim/index.js';
import type { ArrivalBatch } from './request-loader.js';

export function toArrivalSpecs(batch: ArrivalBatch): ArrivalSpec[] {
  const out = new Array<ArrivalSpec>(batch.arrivalTimesS.length);
  for (let i = 0; i < out.length; i++) {
    out[i] = { agent: batch.agent, arrivalTimeS: batch.arrivalTimesS[i]!, itemIndex: batch.itemIndices[i]! };
  }
  return out;
}
