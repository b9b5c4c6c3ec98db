/**
 * The one regression both latency fits use, as the reference computes it: ordinary least squares of y on x with an
 * intercept (numpy `polyfit(x, y, 1)`), σ = population standard deviation of the residuals (`np.std`), and
 * r² = the squared Pearson correlation of x and y (`np.corrcoef`). No weighting, no outlier removal.
 */
import { mean, sampleCorrelation, standardDeviation } from 'simple-statistics';
import { MigflowError } from '../errors.js';

export interface LinearFit {
  /** Intercept. */
  alpha: number;
  /** Slope. */
  beta: number;
  /** Population std of the residuals y − (α + β·x). */
  sigma: number;
  /** Squared Pearson correlation; NaN when y is constant (the reference's corrcoef gives NaN too). */
  rSquared: number;
  n: number;
}

/** Fits y = α + β·x. Needs at least two points and two distinct x values (a slope must be defined). */
export function fitLine(xs: readonly number[], ys: readonly number[]): LinearFit {
  if (xs.length !== ys.length) {
    throw new MigflowError(`fitLine: ${xs.length} x values but ${ys.length} y values`);
  }
  const n = xs.length;
  if (n < 2) throw new MigflowError(`fitLine: ${n} point(s); a line needs at least 2`);
  const xBar = mean(xs as number[]);
  const yBar = mean(ys as number[]);
  // Centred sums (beta = Sxy/Sxx) rather than the raw-moment formula: prompt lengths near 2000 over 1000 requests
  // would otherwise lose digits to cancellation.
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const dx = xs[i]! - xBar;
    sxx += dx * dx;
    sxy += dx * (ys[i]! - yBar);
  }
  if (sxx === 0) throw new MigflowError(`fitLine: every x is ${xs[0]}; a slope needs two distinct x values`);
  const beta = sxy / sxx;
  const alpha = yBar - beta * xBar;
  const residuals = xs.map((x, i) => ys[i]! - (beta * x + alpha));
  const sigma = standardDeviation(residuals);
  const yConstant = ys.every((y) => y === ys[0]);
  const r = yConstant ? Number.NaN : sampleCorrelation(xs as number[], ys as number[]);
  return { alpha, beta, sigma, rSquared: r * r, n };
}
