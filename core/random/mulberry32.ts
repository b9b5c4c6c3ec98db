/**
 * mulberry32: the project's one small seeded generator (32 bits of state, one multiply-xorshift per draw). It is
 * not CPython's stream: everything that must match the reference draw for draw uses `CPythonRandom`. It serves
 * where a reproducible, cheap stream is enough — the emulator's latency noise, the load generator, the learner's
 * savable stream, the sample-data generator and tests — and its state is one number, so it can be checkpointed.
 */
export class Mulberry32 {
  private s: number;

  constructor(seed: number) {
    this.s = seed >>> 0;
  }

  /** Uniform on [0, 1). */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** The whole state: `new Mulberry32(0).state = s` continues the stream where `s` was read. */
  get state(): number {
    return this.s;
  }

  set state(s: number) {
    this.s = s >>> 0;
  }
}
