/**
 * The random stream the environment draws from: the simulator's draws (uniform, gauss), `random.choice`
 * indices for initial layouts and the workload's exponential gaps, all from one injected source so an episode is
 * reproducible from its seed. `seededEnvRng` is a small seeded implementation (mulberry32 + Box–Muller); it is not
 * CPython-compatible, so runs match the reference in distribution, not draw for draw.
 */
import type { SimRng } from '../../sim/index.js';

export interface EnvRng extends SimRng {
  /** Uniform on [0, 1). */
  random(): number;
  /** Uniform integer in [0, n): the index `random.choice` would pick. */
  choiceIndex(n: number): number;
}

/** Exponential draw with rate `lambda` (mean 1/lambda), CPython `expovariate` formula. */
export function expovariate(rng: EnvRng, lambda: number): number {
  return -Math.log(1 - rng.random()) / lambda;
}

export function seededEnvRng(seed: number): EnvRng {
  let s = seed >>> 0;
  let spare: number | undefined;
  const random = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    random,
    uniform: (a, b) => a + (b - a) * random(),
    choiceIndex: (n) => Math.floor(random() * n),
    gauss(mu, sigma) {
      // Box–Muller keeps its second value for the next call, as CPython's gauss does.
      if (spare !== undefined) {
        const z = spare;
        spare = undefined;
        return mu + sigma * z;
      }
      const u1 = 1 - random();
      const u2 = random();
      const r = Math.sqrt(-2 * Math.log(u1));
      spare = r * Math.sin(2 * Math.PI * u2);
      return mu + sigma * r * Math.cos(2 * Math.PI * u2);
    },
  };
}
