/** Small seeded randomness for the emulator and the load generator (mulberry32 + Box–Muller): reproducible draws. */

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
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
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
