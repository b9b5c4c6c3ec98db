/**
 * MT19937 exactly as CPython's `_randommodule.c` runs it: `init_genrand`, `init_by_array` (how `random.seed(int)`
 * seeds) and the tempered 32-bit output. Kept separate from the `random`-method layer so the word stream can be
 * checked against CPython on its own. Seeding runs here; the block regeneration (`twist`) runs in a small
 * WebAssembly kernel (kernels/mt19937.c), about nine times faster than the same loop in JavaScript. The same module
 * draws CPython's `gauss` on this stream (kernels/normal.c): `CPythonRandom` hands its pair draws and runs of
 * latency draws to it through `gaussPair` and `gaussRun`, and the workload's arrival gaps through `arrivalRun`
 * (kernels/arrivals.c).
 */
import { A, B, LN2_HI, LN2_LO, TAB } from './glibc-log-data.js';
import { MT_KERNEL_WASM_BASE64 } from './kernels/mt19937-wasm.js';

const N = 624;

/** The kernel's exports: its memory (one page), the twist, the gauss draws, and where their data lie. */
export interface RandomKernel {
  readonly memory: WebAssembly.Memory;
  twist(): void;
  state_ptr(): number;
  tempered_ptr(): number;
  init(): void;
  gauss_pair(): void;
  /** Reads mu, sigma, clock and stop from `run_params_ptr`. */
  gauss_run(maxDraws: number): number;
  run_params_ptr(): number;
  run_capacity(): number;
  mti_ptr(): number;
  has_next_ptr(): number;
  pair_ptr(): number;
  run_clock_ptr(): number;
  run_draws_ptr(): number;
  log_tab_ptr(): number;
  log_a_ptr(): number;
  log_b_ptr(): number;
  log_ln2_ptr(): number;
  /** For tests: fdlibm's cos(x) and sin(x), 0 ≤ x < 2π, into the pair slots. */
  cos_sin_of(x: number): void;
  /** For tests: the same for two angles at once, as gauss_run computes them: cos a, sin a, cos b, sin b into the run's draws. */
  cos_sin_pair_of(xa: number, xb: number): void;
  /** For tests: glibc's log(x), 0 < x ≤ 1. */
  log_of(x: number): number;
  arrival_run(
    minRate: number,
    maxRate: number,
    t: number,
    phaseEndS: number,
    maxS: number,
    maxOut: number,
  ): number;
  arrival_rate_sum_ptr(): number;
  arrival_rate_draws_ptr(): number;
}

/** Compiled once per process; each generator instantiates it on its own memory. */
let kernelModule: WebAssembly.Module | undefined;

/** A fresh instance of the kernel (its own memory), with glibc's log constants written in and its tables derived. */
export function instantiateRandomKernel(): RandomKernel {
  kernelModule ??= new WebAssembly.Module(Buffer.from(MT_KERNEL_WASM_BASE64, 'base64'));
  const kernel = new WebAssembly.Instance(kernelModule, {}).exports as unknown as RandomKernel;
  const buffer = kernel.memory.buffer;
  // glibc's log constants have one home (glibc-log-data.ts); the kernel derives its splits from them.
  new Float64Array(buffer, kernel.log_tab_ptr(), TAB.length).set(TAB);
  new Float64Array(buffer, kernel.log_a_ptr(), A.length).set(A);
  new Float64Array(buffer, kernel.log_b_ptr(), B.length).set(B);
  new Float64Array(buffer, kernel.log_ln2_ptr(), 2).set([LN2_HI, LN2_LO]);
  kernel.init();
  return kernel;
}

export class Mt19937 {
  private readonly kernel: RandomKernel;
  // Views of the kernel's memory (which never grows, so they stay valid). Int32Array, not Uint32Array: the words
  // stay small integers for V8 (a Uint32Array load above 2^31 becomes a double), which halves the cost of a draw.
  // Same bits either way; `nextUint32` reinterprets as unsigned.
  private readonly mt: Int32Array;
  /**
   * The tempered outputs of the current block of 624 words, computed all at once by the twist, so a draw is one
   * load instead of a load and four tempering steps.
   */
  private readonly tempered: Int32Array;
  private mti = N + 1;
  /** The kernel's copy of `mti`, handed over around each call into it. */
  private readonly kernelMti: Int32Array;
  /** `gauss_next` lives in the kernel: [0] is 1 when `gaussPairValues[1]` is the cached second value. */
  readonly gaussHasNext: Int32Array;
  /** The last pair drawn: [cosine half, sine half (gauss_next)]. */
  readonly gaussPairValues: Float64Array;
  /** What `gaussRun` drew, and the clock after it ([0]). */
  readonly runDraws: Float64Array;
  readonly runClockS: Float64Array;
  /** An arrival run's phase state, carried across calls: [sum of the rates drawn], [their count]. */
  readonly arrivalRateSum: Float64Array;
  readonly arrivalRateDraws: Int32Array;
  /** `gauss_run`'s arguments: mu, sigma, clock, stop. */
  private readonly runParams: Float64Array;

  constructor() {
    const kernel = instantiateRandomKernel();
    this.kernel = kernel;
    const buffer = kernel.memory.buffer;
    this.mt = new Int32Array(buffer, kernel.state_ptr(), N);
    this.tempered = new Int32Array(buffer, kernel.tempered_ptr(), N);
    this.kernelMti = new Int32Array(buffer, kernel.mti_ptr(), 1);
    this.gaussHasNext = new Int32Array(buffer, kernel.has_next_ptr(), 1);
    this.gaussPairValues = new Float64Array(buffer, kernel.pair_ptr(), 2);
    this.runDraws = new Float64Array(buffer, kernel.run_draws_ptr(), kernel.run_capacity());
    this.runClockS = new Float64Array(buffer, kernel.run_clock_ptr(), 1);
    this.arrivalRateSum = new Float64Array(buffer, kernel.arrival_rate_sum_ptr(), 1);
    this.arrivalRateDraws = new Int32Array(buffer, kernel.arrival_rate_draws_ptr(), 1);
    this.runParams = new Float64Array(buffer, kernel.run_params_ptr(), 4);
  }

  /** Draws a Box–Muller pair (CPython's order: angle word pair, then radius word pair) into `gaussPairValues`. */
  gaussPair(): void {
    this.enterKernel();
    this.kernel.gauss_pair();
    this.mti = this.kernelMti[0]!;
  }

  /**
   * Up to `maxDraws` (at most `runDraws.length`) latency draws max(gauss(mu, sigma), 0), each added to the clock,
   * while the clock is before `stopS`: the draws in `runDraws`, the clock after them in `runClockS[0]`. Returns
   * how many were drawn. Same values, same order and same cache handling as calling `gauss` that many times.
   */
  gaussRun(mu: number, sigma: number, clockS: number, stopS: number, maxDraws: number): number {
    this.enterKernel();
    // Through memory, not as arguments: see gauss_run in kernels/normal.c (no boxed doubles).
    const params = this.runParams;
    params[0] = mu;
    params[1] = sigma;
    params[2] = clockS;
    params[3] = stopS;
    const k = this.kernel.gauss_run(maxDraws);
    this.mti = this.kernelMti[0]!;
    return k;
  }

  /**
   * Arrivals of one workload phase from time `t` (kernels/arrivals.c): per arrival a uniform rate in
   * [minRate, maxRate] and an exponential gap at that rate, while t < phaseEndS and t < maxS; at most `maxOut` (≤
   * `runDraws.length`) kept. The times land in `runDraws`, the clock after the last draw in `runClockS[0]`, and
   * `arrivalRateSum` / `arrivalRateDraws` carry on from what they held. Returns how many were kept.
   */
  arrivalRun(
    minRate: number,
    maxRate: number,
    t: number,
    phaseEndS: number,
    maxS: number,
    maxOut: number,
  ): number {
    this.enterKernel();
    const k = this.kernel.arrival_run(minRate, maxRate, t, phaseEndS, maxS, maxOut);
    this.mti = this.kernelMti[0]!;
    return k;
  }

  /** Hands `mti` to the kernel (seeding with 5489 first if never seeded, as CPython). */
  private enterKernel(): void {
    if (this.mti === N + 1) this.initGenrand(5489);
    this.kernelMti[0] = this.mti;
  }

  /** Seeds from one 32-bit word (`init_genrand`). */
  initGenrand(s: number): void {
    const mt = this.mt;
    mt[0] = s >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1]!;
      mt[i] = (Math.imul(1812433253, prev ^ (prev >>> 30)) + i) >>> 0;
    }
    this.mti = N;
  }

  /** Seeds from a key of 32-bit words (`init_by_array`); CPython passes an int's words, least significant first. */
  initByArray(key: ArrayLike<number>): void {
    const mt = this.mt;
    const len = key.length;
    this.initGenrand(19650218);
    let i = 1;
    let j = 0;
    for (let k = Math.max(N, len); k > 0; k--) {
      const prev = mt[i - 1]!;
      mt[i] = ((mt[i]! ^ Math.imul(prev ^ (prev >>> 30), 1664525)) + (key[j]! >>> 0) + j) >>> 0;
      i++;
      j++;
      if (i >= N) {
        mt[0] = mt[N - 1]!;
        i = 1;
      }
      if (j >= len) j = 0;
    }
    for (let k = N - 1; k > 0; k--) {
      const prev = mt[i - 1]!;
      mt[i] = ((mt[i]! ^ Math.imul(prev ^ (prev >>> 30), 1566083941)) - i) >>> 0;
      i++;
      if (i >= N) {
        mt[0] = mt[N - 1]!;
        i = 1;
      }
    }
    mt[0] = 0x80000000;
  }

  /** The next tempered 32-bit output (`genrand_uint32`), as an unsigned number. Small, so V8 inlines it. */
  nextUint32(): number {
    return this.nextInt32() >>> 0;
  }

  /** The same output's bits as a signed 32-bit integer (callers that shift it right unsigned need no conversion). */
  nextInt32(): number {
    if (this.mti >= N) this.twist();
    return this.tempered[this.mti++]!;
  }

  /** Regenerates the 624 words and their tempered outputs (seeding with 5489 first if never seeded, as CPython). */
  private twist(): void {
    if (this.mti === N + 1) this.initGenrand(5489);
    this.kernel.twist();
    this.mti = 0;
  }
}
