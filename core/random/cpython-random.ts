/**
 * A port of CPython 3.11's `random.Random` for the methods Delta-HPC calls (plus their building blocks), so a
 * seed gives the reference's draws value for value: `seed(int)`, `random()` (53 bits from two words),
 * `getrandbits`, `_randbelow` (rejection on getrandbits), `randrange`/`randint`, `choice`, `choices`, `shuffle`,
 * `uniform`, `expovariate`, `gauss` (with its cached second value) and `normalvariate`. Checked against real
 * CPython output in test/fixtures/random/cpython-random.json (regenerate with scripts/cpython-random-fixture.py).
 */
import { MigflowError } from '../errors.js';
import { glibcLog } from './glibc-log.js';
import { Mt19937 } from './mt19937.js';

/** 4·e^−0.5/√2, CPython's NV_MAGICCONST. */
const NV_MAGICCONST = (4 * Math.exp(-0.5)) / Math.sqrt(2.0);
const TWO_POW_26 = 67108864.0;
const TWO_POW_53_INV = 1.0 / 9007199254740992.0;

/** The 32-bit words of |seed|, least significant first; [0] for zero (CPython's `random_seed` on an int). */
export function seedWords(seed: number | bigint): Uint32Array {
  if (typeof seed === 'number' && !Number.isSafeInteger(seed)) {
    throw new MigflowError(`random seed ${seed} is not a safe integer — fix: pass an integer (or a bigint)`);
  }
  let n = BigInt(seed);
  if (n < 0n) n = -n;
  const words: number[] = [];
  while (n > 0n) {
    words.push(Number(n & 0xffffffffn));
    n >>= 32n;
  }
  return Uint32Array.from(words.length ? words : [0]);
}

export class CPythonRandom {
  private readonly mt = new Mt19937();
  /**
   * `gauss_next` and its flag: [0] is 1 when `gaussPair[1]` (the second value of the last Box–Muller pair) is
   * handed out by the next `gauss` call. Both live in the WebAssembly kernel that draws the pairs (views of its
   * memory, so nothing boxes), which also draws whole runs of latency draws with the same cache (`gaussRun`).
   */
  private readonly hasGaussNext: Int32Array;
  /** [cosine half of the pair just drawn, `gauss_next`]. */
  private readonly gaussPair: Float64Array;
  /** The draws of the last `gaussRun`. */
  readonly runDraws: Float64Array;
  /** [the clock after the last `gaussRun` or `arrivalRun`]. */
  readonly runClockS: Float64Array;
  /** An arrival run's carried phase state: [sum of the rates drawn], [their count]. */
  readonly arrivalRateSum: Float64Array;
  readonly arrivalRateDraws: Int32Array;

  constructor(seed: number | bigint) {
    this.hasGaussNext = this.mt.gaussHasNext;
    this.gaussPair = this.mt.gaussPairValues;
    this.runDraws = this.mt.runDraws;
    this.runClockS = this.mt.runClockS;
    this.arrivalRateSum = this.mt.arrivalRateSum;
    this.arrivalRateDraws = this.mt.arrivalRateDraws;
    this.seed(seed);
  }

  /** `random.seed(a)` for an int a (version 2 semantics on ints: the absolute value's words). */
  seed(seed: number | bigint): void {
    this.mt.initByArray(seedWords(seed));
    this.hasGaussNext[0] = 0;
  }

  /** One raw 32-bit output. */
  nextUint32(): number {
    return this.mt.nextUint32();
  }

  /** Uniform on [0, 1) with 53 random bits. */
  random(): number {
    const a = this.mt.nextInt32() >>> 5;
    const b = this.mt.nextInt32() >>> 6;
    return (a * TWO_POW_26 + b) * TWO_POW_53_INV;
  }

  /** `getrandbits(k)` for 0 ≤ k ≤ 53, as a number (words least significant first, surplus bits of the last dropped). */
  getrandbits(k: number): number {
    if (!Number.isInteger(k) || k < 0 || k > 53) {
      throw new MigflowError(
        `getrandbits(${k}): k must be an integer in 0..53 here — fix: use getrandbitsBig`,
      );
    }
    if (k === 0) return 0;
    if (k <= 32) return this.mt.nextUint32() >>> (32 - k);
    const low = this.mt.nextUint32();
    const high = this.mt.nextUint32() >>> (64 - k);
    return high * 4294967296 + low;
  }

  /** `getrandbits(k)` for any k ≥ 0, as a bigint. */
  getrandbitsBig(k: number): bigint {
    if (!Number.isInteger(k) || k < 0)
      throw new MigflowError(`getrandbits(${k}): k must be a non-negative integer`);
    let out = 0n;
    let shift = 0n;
    for (let left = k; left > 0; left -= 32) {
      let w = this.mt.nextUint32();
      if (left < 32) w >>>= 32 - left;
      out |= BigInt(w) << shift;
      shift += 32n;
    }
    return out;
  }

  /** `_randbelow(n)`: uniform integer in [0, n) by rejection on getrandbits(bit_length(n)). n ≤ 2^53 − 1. */
  randbelow(n: number): number {
    if (!Number.isSafeInteger(n) || n <= 0) {
      throw new MigflowError(`randbelow(${n}): n must be a positive safe integer`);
    }
    const k = bitLength(n);
    let r = this.getrandbits(k);
    while (r >= n) r = this.getrandbits(k);
    return r;
  }

  /** `randrange(start, stop?, step = 1)` on integers. */
  randrange(start: number, stop?: number, step = 1): number {
    if (stop === undefined) {
      if (start > 0) return this.randbelow(start);
      throw new MigflowError(`randrange(${start}): empty range`);
    }
    const width = stop - start;
    if (step === 1) {
      if (width > 0) return start + this.randbelow(width);
      throw new MigflowError(`randrange(${start}, ${stop}): empty range`);
    }
    if (step === 0) throw new MigflowError('randrange: zero step');
    const n = step > 0 ? Math.floor((width + step - 1) / step) : Math.floor((width + step + 1) / step);
    if (n <= 0) throw new MigflowError(`randrange(${start}, ${stop}, ${step}): empty range`);
    return start + step * this.randbelow(n);
  }

  /** `randint(a, b)`: integer in [a, b]. */
  randint(a: number, b: number): number {
    return this.randrange(a, b + 1);
  }

  /** The index `choice(seq)` picks for a sequence of length n. */
  choiceIndex(n: number): number {
    if (n <= 0) throw new MigflowError('choice from an empty sequence');
    return this.randbelow(n);
  }

  choice<T>(seq: ArrayLike<T>): T {
    return seq[this.choiceIndex(seq.length)]!;
  }

  /** `choices(population, k=k)` without weights: floor(random()·n) per pick, with replacement. */
  choices<T>(population: ArrayLike<T>, k: number): T[] {
    const n = population.length;
    return Array.from({ length: k }, () => population[Math.floor(this.random() * n)]!);
  }

  /** In-place Fisher–Yates, last index first, as `random.shuffle`. */
  shuffle<T>(x: T[] | Int32Array | Uint32Array): void {
    for (let i = x.length - 1; i > 0; i--) {
      const j = this.randbelow(i + 1);
      const t = x[i]!;
      x[i] = x[j]!;
      x[j] = t as never;
    }
  }

  uniform(a: number, b: number): number {
    return a + (b - a) * this.random();
  }

  /** Exponential with rate lambd (mean 1/lambd). */
  expovariate(lambd: number): number {
    return -glibcLog(1.0 - this.random()) / lambd;
  }

  /**
   * Box–Muller pair; the sine half is cached for the next call (reset by `seed`). Small so that V8 inlines it
   * into the simulator's iteration loop (a double returned from a call that is not inlined is boxed: one heap
   * allocation per latency draw); the pair itself is computed out of line.
   */
  gauss(mu: number, sigma: number): number {
    if (this.hasGaussNext[0] !== 0) {
      this.hasGaussNext[0] = 0;
      return mu + this.gaussPair[1]! * sigma;
    }
    // random()·2π, then √(−2·log(1 − random())), times its cos and sin: in the kernel, equal bit for bit to
    // Math.cos, Math.sin and glibcLog (kernels/normal.c).
    this.mt.gaussPair();
    this.hasGaussNext[0] = 1;
    return mu + this.gaussPair[0]! * sigma;
  }

  /**
   * What `maxDraws` (≤ `runDraws.length`) calls `Math.max(gauss(mu, sigma), 0)` return, each added to a clock
   * starting at `clockS`, stopping early once the clock reaches `stopS` (checked before each draw): the draws in
   * `runDraws`, the clock after them in `runClockS[0]`. Returns how many were drawn. One call into the kernel
   * instead of one per draw: the simulator's runs of pure decode iterations.
   */
  gaussRun(mu: number, sigma: number, clockS: number, stopS: number, maxDraws: number): number {
    return this.mt.gaussRun(mu, sigma, clockS, stopS, maxDraws);
  }

  /**
   * One workload phase's arrivals, as the loop `while (t < phaseEndS && t < maxS) { rate = uniform(minRate,
   * maxRate); sum += rate; count++; t += expovariate(rate); if (t >= maxS) break; keep t }` makes them, in one call
   * into the kernel for up to `maxOut` (≤ `runDraws.length`) kept arrivals: their times in `runDraws`, t after the
   * last draw in `runClockS[0]`; the sum and count carry on in `arrivalRateSum[0]` and `arrivalRateDraws[0]`.
   * Returns how many were kept (fewer than `maxOut`: the phase or the batch ended).
   */
  arrivalRun(
    minRate: number,
    maxRate: number,
    t: number,
    phaseEndS: number,
    maxS: number,
    maxOut: number,
  ): number {
    return this.mt.arrivalRun(minRate, maxRate, t, phaseEndS, maxS, maxOut);
  }

  /** Kinderman–Monahan ratio-of-uniforms normal (does not touch the gauss cache). */
  normalvariate(mu: number, sigma: number): number {
    for (;;) {
      const u1 = this.random();
      const u2 = 1.0 - this.random();
      const z = (NV_MAGICCONST * (u1 - 0.5)) / u2;
      if ((z * z) / 4.0 <= -glibcLog(u2)) return mu + z * sigma;
    }
  }
}

function bitLength(n: number): number {
  return n < 4294967296 ? 32 - Math.clz32(n) : 32 + (32 - Math.clz32(Math.floor(n / 4294967296)));
}
