/** The emulator's and the load generator's draws over one mulberry32 stream (Box–Muller normals): reproducible. */
import { Mulberry32 } from './mulberry32.js';

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Normal(mean, sd²). */
  normal(mean: number, sd: number): number;
  /** Uniform integer in [min, max] (inclusive). */
  int(min: number, max: number): number;
  /** Exponential with the given rate (mean 1/rate). */
  exponential(rate: number): number;
}

export function seededRng(seed: number): Rng {
  const stream = new Mulberry32(seed);
  const next = () => stream.next();
  return {
    next,
    normal(mean, sd) {
      if (sd === 0) return mean;
      const u = 1 - next();
      const v = next();
      return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
    int(min, max) {
      return min + Math.floor(next() * (max - min + 1));
    },
    exponential(rate) {
      return -Math.log(1 - next()) / rate;
    },
  };
}
