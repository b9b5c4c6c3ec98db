/** Per-request timings from either side, their percentiles and throughput, and the relative errors between sides. */
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
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const k = ((s.length - 1) * p) / 100;
  const lo = Math.floor(k);
  const hi = Math.ceil(k);
  return s[lo]! + (s[hi]! - s[lo]!) * (k - lo);
}

export type MetricValues = Record<MetricName, number>;

export function metricValues(timings: readonly RequestTiming[]): MetricValues {
  const ttft = timings.map((t) => t.ttftS);
  const tpot = timings.map((t) => t.tpotS);
  const first = Math.min(...timings.map((t) => t.arrivalS));
  const last = Math.max(...timings.map((t) => t.finishS));
  const tokens = timings.reduce((s, t) => s + t.completionTokens, 0);
  return {
    ttft_p50: percentile(ttft, 50),
    ttft_p90: percentile(ttft, 90),
    ttft_p99: percentile(ttft, 99),
    tpot_p50: percentile(tpot, 50),
    tpot_p90: percentile(tpot, 90),
    tpot_p99: percentile(tpot, 99),
    throughput: tokens / Math.max(1e-9, last - first),
  };
}

export function relativeError(sim: number, engine: number): number {
  return Math.abs(sim - engine) / Math.max(Math.abs(engine), 1e-12);
}
