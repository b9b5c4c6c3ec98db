/**
 * A short fingerprint of an arrival trace, for comparing ours with the reference's (`migflow sim trace`, the
 * parity fixture): count, first and last arrival and a SHA-256 over the times' IEEE-754 bytes (little-endian
 * float64), so two traces agree only if every arrival time is the same double.
 */
import { createHash } from 'node:crypto';

export interface TraceSummary {
  readonly count: number;
  readonly firstArrivalS: number | null;
  readonly lastArrivalS: number | null;
  /** Hex SHA-256 of the float64 little-endian bytes of every arrival time, in order. */
  readonly sha256: string;
}

export function summarizeArrivals(arrivalTimesS: Float64Array): TraceSummary {
  const bytes = new Uint8Array(arrivalTimesS.length * 8);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < arrivalTimesS.length; i++) view.setFloat64(i * 8, arrivalTimesS[i]!, true);
  return {
    count: arrivalTimesS.length,
    firstArrivalS: arrivalTimesS.length ? arrivalTimesS[0]! : null,
    lastArrivalS: arrivalTimesS.length ? arrivalTimesS[arrivalTimesS.length - 1]! : null,
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
}
