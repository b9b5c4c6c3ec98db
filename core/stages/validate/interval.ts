/**
 * The sampling uncertainty of a simulator-versus-engine error: a seeded, paired bootstrap over the trace's requests.
 *
 * Why this design. The engine side is one real-time replay of n requests and cannot cheaply be repeated; the
 * simulator side can: it runs R times with different noise seeds, and its metric is the mean over those runs, so its
 * own noise (the fitted σ, which is as large as the prefill α) is averaged out instead of being compared draw against
 * draw. (The mean of each run's percentile, not the percentile of the runs pooled: both sides then use the same
 * estimator, a percentile of n requests, whose bias — a P99 of 80 requests sits below the true P99 — is the same on
 * both.) What remains is the engine's sampling error: which n requests (and which noise draws) this one replay got. The
 * bootstrap resamples request indices with replacement and applies the SAME indices to the engine's timings and to
 * every simulator run (both sides replayed the same trace, request i is the same prompt on both), recomputes each
 * metric on both sides and the signed relative error (sim − engine) / engine. Pairing keeps what the two sides share
 * (the prompt and completion lengths drawn) out of the interval, so only what differs between them widens it; the
 * resampled simulator runs also carry the small leftover uncertainty of the R-run mean. simple-statistics gives the
 * resampling (`sampleWithReplacement` with a seeded source) and the interval's quantiles; it has no bootstrap
 * confidence interval of a statistic of paired samples, so the loop around them is ours.
 */
import { quantileSorted, sampleWithReplacement } from 'simple-statistics';
import { seededRng } from '../../random/index.js';
import { METRICS, type MetricName } from './config.js';
import { type MetricValues, metricValues, type RequestTiming } from './measure.js';

export interface ErrorInterval {
  /** |sim − engine| / engine with the simulator's metric the mean over its runs. */
  error: number;
  /** Signed (sim − engine) / engine at the interval's ends. */
  signedLow: number;
  signedHigh: number;
}

export interface BootstrapOptions {
  confidence: number;
  resamples: number;
  seed: number;
}

/** The mean of each metric over the simulator's runs. */
export function meanMetrics(runs: readonly MetricValues[]): MetricValues {
  return Object.fromEntries(
    METRICS.map((m) => [m, runs.reduce((s, r) => s + r[m], 0) / runs.length]),
  ) as MetricValues;
}

function signedError(sim: number, engine: number): number {
  return (sim - engine) / Math.max(Math.abs(engine), 1e-12);
}

/**
 * Per metric, the error and its `confidence` interval. `engine[i]` and `simRuns[r][i]` are request i of the trace
 * (the same trace on both sides, in trace order).
 */
export function bootstrapErrors(
  engine: readonly RequestTiming[],
  simRuns: readonly (readonly RequestTiming[])[],
  o: BootstrapOptions,
): Record<MetricName, ErrorInterval> {
  const n = engine.length;
  if (n === 0 || simRuns.length === 0) throw new Error('bootstrapErrors: no requests or no simulator runs');
  for (const run of simRuns) {
    if (run.length !== n)
      throw new Error(`bootstrapErrors: a simulator run has ${run.length} requests, not ${n}`);
  }
  const sim = meanMetrics(simRuns.map((r) => metricValues(r)));
  const eng = metricValues(engine);
  const rng = seededRng(o.seed);
  const source = () => rng.next();
  const indices = Array.from({ length: n }, (_, i) => i);
  const draws = Object.fromEntries(METRICS.map((m) => [m, [] as number[]])) as Record<MetricName, number[]>;
  for (let b = 0; b < o.resamples; b++) {
    const pick = sampleWithReplacement(indices, n, source);
    const e = metricValues(pick.map((i) => engine[i]!));
    const s = meanMetrics(simRuns.map((run) => metricValues(pick.map((i) => run[i]!))));
    for (const m of METRICS) draws[m].push(signedError(s[m], e[m]));
  }
  const tail = (1 - o.confidence) / 2;
  return Object.fromEntries(
    METRICS.map((m) => {
      const sorted = draws[m].sort((a, b) => a - b);
      return [
        m,
        {
          error: Math.abs(signedError(sim[m], eng[m])),
          signedLow: quantileSorted(sorted, tail),
          signedHigh: quantileSorted(sorted, 1 - tail),
        },
      ];
    }),
  ) as Record<MetricName, ErrorInterval>;
}
