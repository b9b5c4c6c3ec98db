/**
 * MT19937 exactly as CPython's `_randommodule.c` runs it: `init_genrand`, `init_by_array` (how `random.seed(int)`
 * seeds) and the tempered 32-bit output. Kept separate from the `random`-method layer so the word stream can be
 * checked against CPython on its own.
 */

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

export class Mt19937 {
  // Int32Array, not Uint32Array: the words stay small integers for V8 (a Uint32Array load above 2^31 becomes a
  // double), which halves the cost of a draw. Same bits either way; `nextUint32` reinterprets as unsigned.
  private readonly mt = new Int32Array(N);
  /**
   * The tempered outputs of the current block of 624 words, computed all at once by `twist` (a tight loop over
   * contiguous words), so a draw is one load instead of a load and four tempering steps.
   */
  private readonly tempered = new Int32Array(N);
  private mti = N + 1;

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

  /** Regenerates the 624 words (and seeds with 5489 first if never seeded, as CPython). */
  private twist(): void {
    const mt = this.mt;
    const out = this.tempered;
    if (this.mti === N + 1) this.initGenrand(5489);
    // Each word pairs with the next, which is still the old one: carried in a register instead of loaded twice.
    let cur = mt[0]!;
    let kk = 0;
    for (; kk < N - M; kk++) {
      const next = mt[kk + 1]!;
      const y = (cur & UPPER_MASK) | (next & LOWER_MASK);
      const v = mt[kk + M]! ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
      mt[kk] = v;
      out[kk] = temper(v);
      cur = next;
    }
    for (; kk < N - 1; kk++) {
      const next = mt[kk + 1]!;
      const y = (cur & UPPER_MASK) | (next & LOWER_MASK);
      const v = mt[kk + (M - N)]! ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
      mt[kk] = v;
      out[kk] = temper(v);
      cur = next;
    }
    const y = (cur & UPPER_MASK) | (mt[0]! & LOWER_MASK);
    const v = mt[M - 1]! ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    mt[N - 1] = v;
    out[N - 1] = temper(v);
    this.mti = 0;
  }
}

/** MT19937's output tempering of one state word (as a signed 32-bit integer). */
function temper(y: number): number {
  let t = y;
  t ^= t >>> 11;
  t ^= (t << 7) & 0x9d2c5680;
  t ^= (t << 15) & 0xefc60000;
  t ^= t >>> 18;
  return t;
}
