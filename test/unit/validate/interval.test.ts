/**
 * The paired bootstrap of the simulator-versus-engine error: exact on cases whose answer is known without sampling
 * (identical sides, a simulator off by a fixed factor), and on a sampled case its width matches the median's
 * asymptotic standard error and its 95 % interval covers the true error (0) about 95 % of the time.
 */
import { describe, expect, it } from 'vitest';
import { seededRng } from '../../../core/random/index.js';
import { bootstrapErrors } from '../../../core/stages/validate/interval.js';
import type { RequestTiming } from '../../../core/stages/validate/measure.js';
import { verdict } from '../../../core/stages/validate/verdict.js';

const OPTS = { confidence: 0.95, resamples: 400, seed: 7 };

/** n requests 0.5 s apart with TTFTs drawn Exp(mean 0.2 s) and TPOTs around 30 ms, 50 tokens each. */
function sample(n: number, seed: number, ttftScale = 1): RequestTiming[] {
  const rng = seededRng(seed);
  return Array.from({ length: n }, (_, i) => {
    const ttftS = ttftScale * rng.exponential(5);
    const tpotS = 0.03 + 0.005 * rng.next();
    return { arrivalS: 0.5 * i, ttftS, tpotS, finishS: 0.5 * i + ttftS + 49 * tpotS, completionTokens: 50 };
  });
}

describe('validate bootstrap interval', () => {
  it('is exactly 0 when the simulator reproduces the engine request for request (pairing cancels the draws)', () => {
    const engine = sample(40, 1);
    const r = bootstrapErrors(engine, [engine, engine, engine], OPTS);
    // Up to the rounding of the 3-run mean ((x + x + x) / 3 need not be x).
    for (const m of Object.values(r)) {
      for (const x of [m.error, m.signedLow, m.signedHigh]) expect(Math.abs(x)).toBeLessThan(1e-12);
    }
  });

  it('is exactly +30 % on TTFT percentiles for a simulator 1.3× slow on every first token', () => {
    const engine = sample(40, 2);
    const slow = engine.map((t) => ({ ...t, ttftS: 1.3 * t.ttftS }));
    const r = bootstrapErrors(engine, [slow], OPTS);
    for (const m of ['ttft_p50', 'ttft_p90', 'ttft_p99'] as const) {
      expect(r[m].error).toBeCloseTo(0.3, 12);
      expect(r[m].signedLow).toBeCloseTo(0.3, 12);
      expect(r[m].signedHigh).toBeCloseTo(0.3, 12);
      expect(verdict(r[m], 0.15)).toBe('fail');
    }
    expect(r.tpot_p50.signedHigh).toBe(0);
  });

  it('is deterministic for a seed', () => {
    const engine = sample(40, 3);
    const sims = [sample(40, 4), sample(40, 5)];
    expect(bootstrapErrors(engine, sims, OPTS)).toEqual(bootstrapErrors(engine, sims, OPTS));
  });

  it('has the median’s asymptotic width: 1.96 · 1/(2 f(m) √n) / m for Exp TTFTs', () => {
    // Exp(mean 0.2): median m = 0.2 ln 2, density there f(m) = 2.5; n = 400 → SE 0.01, relative 0.0721, ±14.1 %.
    // The simulator's 5 runs add √(1 + 1/5) to the half-width.
    const n = 400;
    const engine = sample(n, 11);
    const sims = Array.from({ length: 5 }, (_, r) => sample(n, 100 + r));
    const r = bootstrapErrors(engine, sims, { ...OPTS, resamples: 300 });
    const halfWidth = (r.ttft_p50.signedHigh - r.ttft_p50.signedLow) / 2;
    const expected = ((1.96 * (1 / (2 * 2.5 * Math.sqrt(n)))) / (0.2 * Math.LN2)) * Math.sqrt(1 + 1 / 5);
    expect(halfWidth).toBeGreaterThan(0.7 * expected);
    expect(halfWidth).toBeLessThan(1.3 * expected);
  });

  it('covers the true error (0: both sides draw from one distribution) in about 95 % of 100 seeded trials', () => {
    let covered = 0;
    for (let k = 0; k < 100; k++) {
      const engine = sample(60, 1000 + k);
      const sims = Array.from({ length: 3 }, (_, r) => sample(60, 5000 + 10 * k + r));
      const { ttft_p50 } = bootstrapErrors(engine, sims, { ...OPTS, resamples: 150, seed: k });
      if (ttft_p50.signedLow <= 0 && ttft_p50.signedHigh >= 0) covered++;
    }
    expect(covered).toBeGreaterThanOrEqual(88);
    expect(covered).toBeLessThanOrEqual(100);
  });
});
