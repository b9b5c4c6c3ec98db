/**
 * A seeded random stream whose state can be saved in a checkpoint and restored, so a resumed run draws what the
 * uninterrupted run would have drawn. Same generator as `seededEnvRng` (mulberry32 + Box–Muller with a spare),
 * with the state held in fields instead of a closure.
 */
import type { EnvRng } from './env/index.js';

export interface RngState {
  readonly s: number;
  readonly spare: number | null;
}

export class SavableRng implements EnvRng {
  private s: number;
  private spare: number | undefined;

  constructor(seed: number) {
    this.s = seed >>> 0;
  }

  random(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  uniform(a: number, b: number): number {
    return a + (b - a) * this.random();
  }

  choiceIndex(n: number): number {
    return Math.floor(this.random() * n);
  }

  gauss(mu: number, sigma: number): number {
    if (this.spare !== undefined) {
      const z = this.spare;
      this.spare = undefined;
      return mu + sigma * z;
    }
    const u1 = 1 - this.random();
    const u2 = this.random();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spare = r * Math.sin(2 * Math.PI * u2);
    return mu + sigma * r * Math.cos(2 * Math.PI * u2);
  }

  /** A 31-bit integer, for seeding other generators (weight initialisers). */
  nextSeed(): number {
    return Math.floor(this.random() * 0x7fffffff);
  }

  getState(): RngState {
    return { s: this.s, spare: this.spare ?? null };
  }

  setState(state: RngState): void {
    this.s = state.s >>> 0;
    this.spare = state.spare ?? undefined;
  }
}
