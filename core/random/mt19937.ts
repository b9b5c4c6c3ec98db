/**
 * MT19937 exactly as CPython's `_randommodule.c` runs it: `init_genrand`, `init_by_array` (how `random.seed(int)`
 * seeds) and the tempered 32-bit output. Kept separate from the `random`-method layer so the word stream can be
 * checked against CPython on its own. Seeding runs here; the block regeneration (`twist`) runs in a small
 * WebAssembly kernel (kernels/mt19937.c), about nine times faster than the same loop in JavaScript.
 */
import { MT_KERNEL_WASM_BASE64 } from './kernels/mt19937-wasm.js';

const N = 624;

/** The kernel's exports: its memory (one page), the twist, and where the state and tempered words lie. */
interface TwistKernel {
  readonly memory: WebAssembly.Memory;
  twist(): void;
  state_ptr(): number;
  tempered_ptr(): number;
}

/** Compiled once per process; each generator instantiates it on its own memory. */
let kernelModule: WebAssembly.Module | undefined;

export class Mt19937 {
  private readonly kernel: TwistKernel;
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

  constructor() {
    kernelModule ??= new WebAssembly.Module(Buffer.from(MT_KERNEL_WASM_BASE64, 'base64'));
    this.kernel = new WebAssembly.Instance(kernelModule, {}).exports as unknown as TwistKernel;
    const buffer = this.kernel.memory.buffer;
    this.mt = new Int32Array(buffer, this.kernel.state_ptr(), N);
    this.tempered = new Int32Array(buffer, this.kernel.tempered_ptr(), N);
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
