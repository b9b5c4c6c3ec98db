import { describe, expect, it } from 'vitest';
import { type BenchSetup, prepareBench, runTrial } from '../../../core/bench/index.js';
import { loadBenchConfig } from '../../../core/config/bench.js';
import {
  chooseArm,
  LinUcbModel,
  linUcb,
  linUcbContext,
  resolvePolicies,
} from '../../../core/control/index.js';
import { Mulberry32 } from '../../../core/random/index.js';
import { Normalizer } from '../../../core/rl/normalizer.js';
import { syntheticTokenTables } from '../../../core/workload/token-tables.js';
import { sim2, training } from '../rl/setup.js';

const close = (got: ArrayLike<number>, want: readonly number[]) => {
  expect(got.length).toBe(want.length);
  want.forEach((w, i) => {
    expect(got[i]).toBeCloseTo(w, 12);
  });
};

describe('LinUCB model (hand-computed, d = 2, λ = 1, α = 0.5)', () => {
  it('update: A ← A + x xᵀ, b ← b + r x, and A⁻¹ stays the inverse of A', () => {
    const m = new LinUcbModel(2, 3, { alpha: 0.5, regularization: 1 });
    close(m.matrixA(0), [1, 0, 0, 1]);
    close(m.matrixAInverse(0), [1, 0, 0, 1]);
    m.update(0, [1, 2], 3);
    // A = I + [[1, 2], [2, 4]] = [[2, 2], [2, 5]], det 6; b = 3·[1, 2].
    close(m.matrixA(0), [2, 2, 2, 5]);
    close(m.vectorB(0), [3, 6]);
    close(m.matrixAInverse(0), [5 / 6, -1 / 3, -1 / 3, 1 / 3]);
    m.update(0, [0, 1], -1);
    // A = [[2, 2], [2, 6]], det 8; b = [3, 6] − [0, 1].
    close(m.matrixA(0), [2, 2, 2, 6]);
    close(m.vectorB(0), [3, 5]);
    close(m.matrixAInverse(0), [0.75, -0.25, -0.25, 0.25]);
    expect(m.pulls(0)).toBe(2);
    // The other arms are untouched.
    close(m.matrixA(1), [1, 0, 0, 1]);
    expect(m.pulls(1)).toBe(0);
  });

  it('UCB: θᵀx + α·√(xᵀA⁻¹x), an untried arm scoring α·|x|/√λ', () => {
    const m = new LinUcbModel(2, 2, { alpha: 0.5, regularization: 1 });
    m.update(0, [1, 2], 3);
    // θ = A⁻¹b = [[5/6, −1/3], [−1/3, 1/3]]·[3, 6] = [0.5, 1].
    const e = m.estimate(0, [1, 0]);
    expect(e.mean).toBeCloseTo(0.5, 12);
    expect(e.width).toBeCloseTo(Math.sqrt(5 / 6), 12);
    expect(m.score(0, [1, 0])).toBeCloseTo(0.5 + 0.5 * Math.sqrt(5 / 6), 12);
    expect(m.score(0, [1, 2])).toBeCloseTo(0.5 + 2 + 0.5 * Math.sqrt(5 / 6), 12);
    expect(m.score(1, [1, 0])).toBeCloseTo(0.5, 12);
    expect(m.score(1, [3, 4])).toBeCloseTo(2.5, 12);
    // λ = 4 halves an untried arm's width.
    expect(new LinUcbModel(2, 1, { alpha: 1, regularization: 4 }).score(0, [3, 4])).toBeCloseTo(2.5, 12);
  });

  it('refuses a bad setting, a context of the wrong size and a non-finite reward', () => {
    expect(() => new LinUcbModel(2, 2, { alpha: -1, regularization: 1 })).toThrow(/linucb\.alpha/);
    expect(() => new LinUcbModel(2, 2, { alpha: 1, regularization: 0 })).toThrow(/regularization/);
    const m = new LinUcbModel(2, 2, { alpha: 1, regularization: 1 });
    expect(() => m.score(0, [1, 2, 3])).toThrow(/3 features, the model 2/);
    expect(() => m.update(0, [1, 2], Number.NaN)).toThrow(/non-finite reward/);
  });
});

describe('LinUCB choice', () => {
  it('never picks a masked arm, even when it has the best bound', () => {
    const m = new LinUcbModel(3, 6, { alpha: 0.1, regularization: 1 });
    const x = [1, -0.5, 1];
    for (let i = 0; i < 20; i++) m.update(4, x, 10); // arm 4 is by far the best
    const ties = new Mulberry32(3);
    const rng = new Mulberry32(11);
    for (let trial = 0; trial < 500; trial++) {
      const mask = Uint8Array.from({ length: 6 }, (_, i) => (i === 0 || rng.next() < 0.5 ? 1 : 0));
      const arm = chooseArm(m, x, mask, ties);
      expect(mask[arm]).toBe(1);
      if (mask[4] === 1) expect(arm).toBe(4);
    }
    expect(chooseArm(m, x, Uint8Array.of(1, 0, 0, 0, 0, 0), ties)).toBe(0);
  });

  it('breaks ties among untried arms with the seeded stream', () => {
    const m = new LinUcbModel(2, 8, { alpha: 1, regularization: 1 });
    const all = new Uint8Array(8).fill(1);
    const picks = (seed: number) => {
      const ties = new Mulberry32(seed);
      return Array.from({ length: 12 }, () => chooseArm(m, [1, 1], all, ties));
    };
    expect(picks(5)).toEqual(picks(5));
    expect(new Set(picks(5)).size).toBeGreaterThan(2);
    expect(picks(6)).not.toEqual(picks(5));
  });

  it('context: the observation standardised with running statistics (sb3_norm) or raw, then a bias 1', () => {
    const obs = Float32Array.of(2, -4);
    close(linUcbContext(obs, null), [2, -4, 1]);
    // Exactly what VecNormalize gives an RL policy in training: update the statistics, then standardise and clip.
    const twin = new Normalizer(2);
    const norm = new Normalizer(2);
    for (const o of [obs, Float32Array.of(4, 0), Float32Array.of(-1, 30)]) {
      const want = twin.observe(o);
      close(linUcbContext(o, norm), [want[0]!, want[1]!, 1]);
    }
  });
});

const setup: BenchSetup = {
  simulation: sim2,
  training,
  bench: loadBenchConfig('configs/bench_config.yaml'),
  tokens: syntheticTokenTables(7, 300),
  steps: 48,
};

describe('LinUCB in the bench', () => {
  it('is one of `all`, learns from every decision, and runs deterministically for a fixed seed', () => {
    expect(resolvePolicies(['all']).map((f) => f().name)).toContain('linucb');
    let learned = 0;
    const counting = () => {
      const p = linUcb();
      const learn = (r: number) => {
        learned++;
        p.learn!(r);
      };
      return { ...p, decide: p.decide.bind(p), learn };
    };
    const a = runTrial(prepareBench(setup), counting);
    expect(learned).toBe(48);
    expect(a.actionLog.length).toBeGreaterThan(0);
    const b = runTrial(prepareBench(setup), linUcb);
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    const other = runTrial(prepareBench({ ...setup, seed: 78 }), linUcb);
    expect(other.trialSeed).not.toBe(a.trialSeed);
    expect(JSON.stringify(other.actionLog)).not.toBe(JSON.stringify(a.actionLog));
  });
});
