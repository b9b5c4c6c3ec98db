/**
 * A seeded random stream whose state can be saved in a checkpoint and restored, so a resumed run draws what the
 * uninterrupted run would have drawn. mulberry32 (`core/random`) + Box–Muller with a spare,
 * with the state held in fields instead of a closure. It has what the environment's stream (`EnvRng`) has.
 */
import { Mulberry32 } from '../random/index.js';

export interface RngState {
  readonly s: number;
  readonly spare: number | null;
}

export class SavableRng extends Mulberry32 {
  private spare: number | undefined;

  random(): number {
    return this.next();
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
    return { s: this.state, spare: this.spare ?? null };
  }

  setState(state: RngState): void {
    this.state = state.s;
    this.spare = state.spare ?? undefined;
  }
}
