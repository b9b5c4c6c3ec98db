/** Per-request timings from either side, their percentiles and throughput (the errors between sides: interval.ts). */
import type { MetricName } from './config.js';

/** One finished request: seconds from its arrival (TTFT) and per output token after the first (TPOT). */
export interface RequestTiming {
  arrivalS: number;
  ttftS: number;
  tpotS: number;
  finishS: number;
  completionTokens: number;
}

/** Linear-interpolated percentile (numpy's default), as vLLM's benchmark reports them. */
export function percentile(xs: readonly number[], p: number): number {
  return percentileSorted(
    [...xs].sort((a, b) => a - b),
    p,
  );
}

/** `percentile` of an ascending array (the bootstrap computes thousands: one sort per sample, not per percentile). */
export function percentileSorted(s: readonly number[], p: number): number {
  if (s.length === 0) return Number.NaN;
  const k = ((s.length - 1) * p) / 100;
  const lo = Math.floor(k);
  const hi = Math.ceil(k);
  return s[lo]! + (s[hi]! - s[lo]!) * (k - lo);
}

export type MetricValues = Record<MetricName, number>;

export function metricValues(timings: readonly RequestTiming[]): MetricValues {
  const ttft = timings.map((t) => t.ttftS).sort((a, b) => a - b);
  const tpot = timings.map((t) => t.tpotS).sort((a, b) => a - b);
  const first = Math.min(...timings.map((t) => t.arrivalS));
  const last = Math.max(...timings.map((t) => t.finishS));
  const tokens = timings.reduce((s, t) => s + t.completionTokens, 0);
  return {
    ttft_p50: percentileSorted(ttft, 50),
    ttft_p90: percentileSorted(ttft, 90),
    ttft_p99: percentileSorted(ttft, 99),
    tpot_p50: percentileSorted(tpot, 50),
    tpot_p90: percentileSorted(tpot, 90),
    tpot_p99: percentileSorted(tpot, 99),
    throughput: tokens / Math.max(1e-9, last - first),
  };
}
