/**
 * The gauss half of the random kernel (core/random/kernels/normal.c) computes what the JavaScript it replaced
 * computed, bit for bit: fdlibm's cos and sin equal V8's Math.cos and Math.sin on [0, 2π) (random arguments,
 * arguments a few ulps around each multiple of π/2 where the reduction takes its longer paths, and edge values),
 * its log equals glibcLog on (0, 1], and CPythonRandom's `gauss` and `gaussRun` give what a Box–Muller pair
 * written out in JavaScript on the same word stream gives, cache included. That these are CPython's draws is
 * cpython-random.test.ts's check.
 */
import { describe, expect, it } from 'vitest';
import { CPythonRandom, glibcLog } from '../../../core/random/index.js';
import { instantiateRandomKernel } from '../../../core/random/mt19937.js';

const kernel = instantiateRandomKernel();
const pair = new Float64Array(kernel.memory.buffer, kernel.pair_ptr(), 2);
const TWO_PI = 2 * Math.PI;

/** Arguments where the kernel's cos or sin differs from Math's (as [x, reason]); empty when they agree. */
function trigMismatches(xs: Iterable<number>): number[] {
  const off: number[] = [];
  for (const x of xs) {
    kernel.cos_sin_of(x);
    if (!Object.is(pair[0], Math.cos(x)) || !Object.is(pair[1], Math.sin(x))) off.push(x);
  }
  return off;
}

function* uniformAngles(n: number, seed: number): Generator<number> {
  const rng = new CPythonRandom(seed); // 53-bit uniforms: every mantissa bit varies
  for (let i = 0; i < n; i++) yield rng.random() * TWO_PI;
}

/** x = k·π/2 (k = 1..4) moved by up to ±2000 ulps, and below 2π. */
function* nearMultiplesOfHalfPi(): Generator<number> {
  const f = new Float64Array(1);
  const bits = new BigInt64Array(f.buffer);
  for (let k = 1; k <= 4; k++) {
    f[0] = (k * Math.PI) / 2;
    const base = bits[0]!;
    for (let d = -2000n; d <= 2000n; d++) {
      bits[0] = base + d;
      if (f[0]! < TWO_PI) yield f[0]!;
    }
  }
}

describe('the gauss kernel', () => {
  it('computes cos and sin exactly as Math.cos and Math.sin on [0, 2π)', () => {
    const edges = [
      0,
      5e-324,
      1e-300,
      2 ** -28,
      2 ** -27,
      0.3,
      Math.PI / 4,
      0.78539816339744817,
      0.78539816339744839,
    ];
    const below2pi = TWO_PI - 2 ** -50;
    expect(trigMismatches([...edges, below2pi, 1, 2, 3, 4, 5, 6])).toEqual([]);
    expect(trigMismatches(nearMultiplesOfHalfPi())).toEqual([]);
    expect(trigMismatches(uniformAngles(1_000_000, 7))).toEqual([]);
  });

  it('computes cos and sin of two angles at once (the pairs gaussRun draws two at a time) exactly as Math.cos and Math.sin', () => {
    const out = new Float64Array(kernel.memory.buffer, kernel.run_draws_ptr(), 4);
    const off: Array<[number, number]> = [];
    const both = (a: number, b: number) => {
      kernel.cos_sin_pair_of(a, b);
      const want = [Math.cos(a), Math.sin(a), Math.cos(b), Math.sin(b)];
      if (want.some((w, i) => !Object.is(out[i], w))) off.push([a, b]);
    };
    const edges = [0, 5e-324, 2 ** -28, 2 ** -27, 0.3, Math.PI / 4, 0.78539816339744817, 0.78539816339744839];
    // Every rare argument (near a multiple of π/2, the edges) beside an ordinary one in either lane, and beside each other.
    const rare = [...nearMultiplesOfHalfPi(), ...edges, TWO_PI - 2 ** -50];
    rare.forEach((x, i) => {
      both(x, 1.25);
      both(2.5, x);
      both(x, rare[(i * 7919) % rare.length]!);
    });
    const a = uniformAngles(1_000_000, 8);
    const b = uniformAngles(1_000_000, 9);
    for (let x = a.next(), y = b.next(); !x.done && !y.done; x = a.next(), y = b.next())
      both(x.value, y.value);
    expect(off).toEqual([]);
  });

  it('computes log exactly as glibcLog on (0, 1]', () => {
    const rng = new CPythonRandom(11);
    const off: number[] = [];
    for (let i = 0; i < 500_000; i++) {
      const u = 1 - rng.random(); // (0, 1], a quarter of them near 1
      const v = u ** 12 + 5e-324; // small and subnormal arguments
      if (!Object.is(kernel.log_of(u), glibcLog(u))) off.push(u);
      if (!Object.is(kernel.log_of(v), glibcLog(v))) off.push(v);
    }
    expect(off).toEqual([]);
    for (const x of [1, 0.9375, 1 - 2 ** -53, 2 ** -53, 5e-324, 2.2250738585072014e-308]) {
      expect(kernel.log_of(x)).toBe(glibcLog(x));
    }
  });

  it('gives CPythonRandom.gauss the Box–Muller pairs JavaScript would draw, cache included', () => {
    const drawn = new CPythonRandom(2024);
    const words = new CPythonRandom(2024);
    let next: number | undefined;
    const jsGauss = (mu: number, sigma: number) => {
      if (next !== undefined) {
        const z = next;
        next = undefined;
        return mu + z * sigma;
      }
      const x2pi = words.random() * TWO_PI;
      const g2rad = Math.sqrt(-2.0 * glibcLog(1.0 - words.random()));
      next = Math.sin(x2pi) * g2rad;
      return mu + Math.cos(x2pi) * g2rad * sigma;
    };
    for (let i = 0; i < 20_000; i++) {
      // Other draws in between, so that pairs straddle the twist and the cache crosses them.
      if (i % 7 === 0) expect(drawn.random()).toBe(words.random());
      expect(drawn.gauss(0.01 * i, 0.5)).toBe(jsGauss(0.01 * i, 0.5));
    }
  });

  it('draws in gaussRun what the same number of gauss calls draw, stopping at the stop or the cap', () => {
    const run = new CPythonRandom(99);
    const one = new CPythonRandom(99);
    for (let round = 0; round < 20_000; round++) {
      const mu = round % 3 === 0 ? -0.2 : 0.03; // some draws negative: clamped to 0
      const sigma = 0.05;
      const clock0 = round * 1.5;
      const stop = clock0 + (round % 5) * 0.2;
      const max = 1 + (round % 37);
      // Other draws in between move where the run starts within the block (it draws two pairs when eight words are left).
      if (round % 3 === 1) expect(run.random()).toBe(one.random());
      if (round % 5 === 2) expect(run.nextUint32()).toBe(one.nextUint32());
      const k = run.gaussRun(mu, sigma, clock0, stop, max);
      let clock = clock0;
      let j = 0;
      while (j < max && clock < stop) {
        const d = Math.max(one.gauss(mu, sigma), 0);
        expect(run.runDraws[j]).toBe(d);
        clock += d;
        j++;
      }
      expect(k).toBe(j);
      expect(run.runClockS[0]).toBe(clock);
      if (round % 4 === 0) expect(run.gauss(1, 1)).toBe(one.gauss(1, 1));
    }
    expect(run.gaussRun(0.01, 0, 0, 1e9, 1e6)).toBe(run.runDraws.length);
  });
});
