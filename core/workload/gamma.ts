/**
 * Gamma-distributed draws (Marsaglia & Tsang, ACM TOMS 2000, with the U^{1/k} boost for shape k < 1) on the
 * workload's seeded stream. A gap of Gamma(k, 1/(k·λ)) has mean 1/λ like Poisson's exponential gap but a
 * coefficient of variation 1/√k: k < 1 clusters arrivals into bursts separated by long silences, which is how
 * BurstGPT (Wang et al. 2024) models the burstiness of real LLM API traffic. CPython's `gammavariate` uses other
 * algorithms; nothing here has to match the reference draw for draw, because the reference has no such traffic.
 */
import { MigflowError } from '../errors.js';

/** The draws the sampler needs: CPythonRandom provides both. */
export interface GammaRng {
  /** Uniform on [0, 1). */
  random(): number;
  gauss(mu: number, sigma: number): number;
}

/** One draw of Gamma(shape, scale): mean shape·scale. */
export function gammaVariate(rng: GammaRng, shape: number, scale: number): number {
  if (!(shape > 0) || !(scale > 0)) {
    throw new MigflowError(`Gamma needs shape > 0 and scale > 0, got shape ${shape}, scale ${scale}`);
  }
  if (shape < 1) {
    // Gamma(k) = Gamma(k + 1) · U^{1/k}; 1 − U keeps the base away from 0.
    return gammaVariate(rng, shape + 1, scale) * (1 - rng.random()) ** (1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = rng.gauss(0, 1);
    const t = 1 + c * x;
    if (t <= 0) continue;
    const v = t * t * t;
    const u = 1 - rng.random();
    const x2 = x * x;
    if (u < 1 - 0.0331 * x2 * x2 || Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) return d * v * scale;
  }
}

/** A gap with mean 1/ratePerS and coefficient of variation 1/√shape (shape 1 = Poisson's exponential gap). */
export function gammaGapS(rng: GammaRng, ratePerS: number, shape: number): number {
  return gammaVariate(rng, shape, 1 / (shape * ratePerS));
}
