/** Percentiles as numpy computes them by default (linear interpolation, "type 7"), for every report. */

/** numpy's default (linear, type 7) percentile of unsorted values; q in 0..100. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return percentileSorted(sorted, q);
}

function percentileSorted(sorted: readonly number[], q: number): number {
  const pos = ((sorted.length - 1) * q) / 100;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export function percentiles(values: readonly number[], qs: readonly number[]): number[] {
  if (values.length === 0) return qs.map(() => 0);
  const sorted = [...values].sort((a, b) => a - b);
  return qs.map((q) => percentileSorted(sorted, q));
}
