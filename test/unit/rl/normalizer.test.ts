import { describe, expect, it } from 'vitest';
import { Normalizer, RunningMeanStd, VEC_NORMALIZE_DEFAULTS } from '../../../core/rl/normalizer.js';
import { SavableRng } from '../../../core/rl/rng.js';

function moments(rows: number[][]): { mean: number[]; var: number[] } {
  const n = rows.length;
  const d = rows[0]!.length;
  const mean = Array.from({ length: d }, (_, j) => rows.reduce((s, r) => s + r[j]!, 0) / n);
  const v = Array.from({ length: d }, (_, j) => rows.reduce((s, r) => s + (r[j]! - mean[j]!) ** 2, 0) / n);
  return { mean, var: v };
}

describe('running mean/variance', () => {
  const rng = new SavableRng(4);
  const a = Array.from({ length: 300 }, () => [rng.gauss(3, 2), rng.gauss(-1, 0.5)]);
  const b = Array.from({ length: 500 }, () => [rng.gauss(5, 1), rng.gauss(2, 3)]);

  it('merging two accumulators equals the statistics of all samples together', () => {
    const ra = new RunningMeanStd(2, 0);
    const rb = new RunningMeanStd(2, 0);
    for (const x of a) ra.updateOne(x);
    for (const x of b) rb.updateOne(x);
    ra.merge(rb);
    const all = moments([...a, ...b]);
    expect(ra.count).toBe(800);
    for (let j = 0; j < 2; j++) {
      expect(ra.mean[j]).toBeCloseTo(all.mean[j]!, 10);
      expect(ra.var[j]).toBeCloseTo(all.var[j]!, 10);
    }
  });

  it('a batch update equals one-at-a-time updates', () => {
    const one = new RunningMeanStd(2);
    for (const x of b) one.updateOne(x);
    const batch = new RunningMeanStd(2);
    const m = moments(b);
    batch.updateFromMoments(m.mean, m.var, b.length);
    for (let j = 0; j < 2; j++) {
      expect(batch.mean[j]).toBeCloseTo(one.mean[j]!, 10);
      expect(batch.var[j]).toBeCloseTo(one.var[j]!, 10);
    }
  });
});

describe('VecNormalize-equivalent normaliser', () => {
  it('standardises observations with the running statistics and clips at ±10', () => {
    const n = new Normalizer(1);
    for (let i = 0; i < 1000; i++) n.observe(Float32Array.from([i % 2 === 0 ? 1 : 3]));
    // mean ≈ 2, var ≈ 1.
    expect(n.normalizeObs(Float32Array.from([3]))[0]).toBeCloseTo(1, 2);
    expect(n.normalizeObs(Float32Array.from([1000]))[0]).toBe(10);
    expect(n.normalizeObs(Float32Array.from([-1000]))[0]).toBe(-10);
  });

  it('frozen statistics do not move, and a saved state restores the same transform', () => {
    const n = new Normalizer(2, VEC_NORMALIZE_DEFAULTS);
    for (let i = 0; i < 50; i++) n.observe(Float32Array.from([i, -2 * i]));
    for (let i = 0; i < 50; i++) n.reward(i % 5, i % 10 === 9);
    n.frozen = true;
    const before = n.state();
    n.observe(Float32Array.from([1e6, 1e6]));
    n.reward(100, false);
    expect(n.state()).toEqual(before);
    const copy = Normalizer.fromState(before);
    const x = Float32Array.from([7, 3]);
    expect([...copy.normalizeObs(x)]).toEqual([...n.normalizeObs(x)]);
  });

  it('scales rewards by the running discounted return (gamma 0.99), not centred, clipped at ±10', () => {
    const n = new Normalizer(1);
    const scaled = Array.from({ length: 200 }, () => n.reward(1, false));
    // Constant positive rewards stay positive after scaling; a huge one clips.
    expect(scaled.every((r) => r > 0)).toBe(true);
    const std = Math.sqrt(n.retRms.var[0]! + 1e-8);
    expect(n.reward(2, false)).toBeCloseTo(2 / Math.sqrt(n.retRms.var[0]! + 1e-8), 6);
    expect(std).toBeGreaterThan(0);
    expect(n.reward(1e9, true)).toBe(10);
    expect(n.returns).toBe(0);
  });
});
