/**
 * Latency sampling: the profiled linear fits with Gaussian noise, clipped at zero. One fresh draw per
 * call, and no draw at all when there is nothing to time (x = 0), as in the reference.
 */
import type { SimRng } from './ports.js';

/** max(0, Normal(alpha + beta·x, sigma)); 0 without drawing when x = 0. */
export function sampleLinearS(rng: SimRng, alpha: number, beta: number, sigma: number, x: number): number {
  if (x === 0) return 0;
  const d = rng.gauss(alpha + beta * x, sigma);
  return Math.max(d, 0);
}
