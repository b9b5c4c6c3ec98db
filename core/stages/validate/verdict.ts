/**
 * The verdict on one metric from its error's confidence interval, not from the point error alone: with n requests on
 * one engine replay the point error moves by 10–30 % from sampling, so a bare threshold on it is a coin toss near the
 * threshold. The signed interval is compared with the threshold region [−t, t]:
 *   - pass: the whole interval lies inside — the error is within the threshold at this confidence;
 *   - fail: the whole interval lies outside (on one side) — the data show the error exceeds the threshold;
 *   - inconclusive: it straddles ±t — the data cannot show the error exceeds the threshold (so it does not fail the
 *     run), nor that it is within; more requests narrow the interval (~1/√n), and `requestsNeeded` says how many.
 */
import type { ErrorInterval } from './interval.js';

export const VERDICTS = ['pass', 'inconclusive', 'fail'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** The interval of |error|: where the signed interval straddles 0, the absolute error can be 0. */
export function absoluteInterval(i: ErrorInterval): [number, number] {
  const lo = Math.abs(i.signedLow);
  const hi = Math.abs(i.signedHigh);
  if (i.signedLow <= 0 && i.signedHigh >= 0) return [0, Math.max(lo, hi)];
  return [Math.min(lo, hi), Math.max(lo, hi)];
}

export function verdict(i: ErrorInterval, threshold: number): Verdict {
  const [lo, hi] = absoluteInterval(i);
  if (hi <= threshold) return 'pass';
  if (lo > threshold) return 'fail';
  return 'inconclusive';
}

/**
 * Requests per agent that would settle an inconclusive metric, assuming the interval's half-width on the side that
 * faces the threshold shrinks as 1/√n around the same point error: n·(half-width / distance to the threshold)².
 * Infinity when the error sits on the threshold (no number of requests settles it).
 */
export function requestsNeeded(i: ErrorInterval, threshold: number, requests: number): number {
  const [lo, hi] = absoluteInterval(i);
  const p = i.error;
  const halfWidth = p <= threshold ? hi - p : p - lo;
  const distance = Math.abs(threshold - p);
  if (distance === 0) return Number.POSITIVE_INFINITY;
  // The 1e-9 keeps a ratio that is whole but for rounding (2.0000000000000004) from asking for one request more.
  return Math.max(requests, Math.ceil(requests * (halfWidth / distance) ** 2 - 1e-9));
}
