/**
 * The Tree-structured Parzen Estimator (Bergstra et al. 2011, as Optuna's independent TPESampler runs it): the
 * finished trials are split into the best γ(n) = ⌈0.1·n⌉ (at most 25) and the rest; each dimension gets one Parzen
 * density over the good values, l(x), and one over the others, g(x); candidates drawn from l are ranked by
 * l(x)/g(x). Numbers are modelled in their internal scale (log for log ranges) as truncated Gaussian mixtures with
 * a prior component over the whole range; choices as smoothed category frequencies.
 *
 * Written by hand: the npm registry has no maintained TPE with an ask/tell interface — the one port of hyperopt
 * there (`hyperparameters`) drives the objective itself through `fmin`, which a durable Temporal workflow whose
 * trials run for hours on other machines, some stopped early, cannot hand over.
 */
import type { SearchDimension } from '../../contracts/index.js';
import { type Draw, fromInternal, toInternal } from './random.js';

const N_EI_CANDIDATES = 24;
const PRIOR_WEIGHT = 1;

/** How many of n finished trials count as good (Optuna's default gamma). */
export function goodCount(n: number): number {
  return Math.min(Math.ceil(0.1 * n), 25);
}

function erf(x: number): number {
  // Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7): enough to normalise a truncated Gaussian.
  const s = Math.sign(x);
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-a * a);
  return s * y;
}
const cdf = (z: number) => 0.5 * (1 + erf(z / Math.SQRT2));

interface Mixture {
  mus: number[];
  sigmas: number[];
  weights: number[];
  lo: number;
  hi: number;
}

/** Parzen mixture over observations in [lo, hi]: the prior at the centre, each point with its neighbours' spacing as width. */
export function parzen(obs: readonly number[], lo: number, hi: number): Mixture {
  const span = hi - lo;
  const prior = { mu: (lo + hi) / 2, sigma: span };
  const sorted = [...obs].sort((a, b) => a - b);
  const minSigma = span / Math.min(100, sorted.length + 1);
  const mus = [prior.mu];
  const sigmas = [prior.sigma];
  const weights = [PRIOR_WEIGHT];
  sorted.forEach((mu, i) => {
    const left = i === 0 ? mu - lo : mu - sorted[i - 1]!;
    const right = i === sorted.length - 1 ? hi - mu : sorted[i + 1]! - mu;
    mus.push(mu);
    sigmas.push(Math.min(span, Math.max(minSigma, left, right)));
    weights.push(1);
  });
  return { mus, sigmas, weights, lo, hi };
}

export function mixtureLogPdf(m: Mixture, x: number): number {
  const total = m.weights.reduce((a, b) => a + b, 0);
  let p = 0;
  for (let i = 0; i < m.mus.length; i++) {
    const mu = m.mus[i]!;
    const s = m.sigmas[i]!;
    const mass = cdf((m.hi - mu) / s) - cdf((m.lo - mu) / s);
    const z = (x - mu) / s;
    p +=
      (m.weights[i]! / total) *
      (Math.exp(-0.5 * z * z) / (s * Math.sqrt(2 * Math.PI) * Math.max(mass, 1e-12)));
  }
  return Math.log(Math.max(p, 1e-300));
}

function sampleMixture(m: Mixture, draw: Draw): number {
  const i = draw.pick(m.weights);
  // Truncation by rejection (each component keeps a sizeable share of its mass inside the range), clamped at last.
  for (let tries = 0; tries < 100; tries++) {
    const x = m.mus[i]! + m.sigmas[i]! * draw.normal();
    if (x >= m.lo && x <= m.hi) return x;
  }
  return Math.min(m.hi, Math.max(m.lo, m.mus[i]!));
}

function categoricalWeights(values: readonly unknown[], obs: readonly unknown[]): number[] {
  const key = (v: unknown) => JSON.stringify(v);
  const index = new Map(values.map((v, i) => [key(v), i]));
  const w = values.map(() => PRIOR_WEIGHT / values.length);
  for (const o of obs) {
    const i = index.get(key(o));
    if (i !== undefined) w[i]! += 1;
  }
  return w;
}

/** One dimension's TPE suggestion from its good and bad observations. */
export function tpeSuggest(
  d: SearchDimension,
  good: readonly unknown[],
  bad: readonly unknown[],
  draw: Draw,
): unknown {
  if (d.kind === 'choice') {
    const l = categoricalWeights(d.values, good);
    const g = categoricalWeights(d.values, bad);
    const lSum = l.reduce((a, b) => a + b, 0);
    const gSum = g.reduce((a, b) => a + b, 0);
    let best = -1;
    let bestScore = -Infinity;
    for (let c = 0; c < N_EI_CANDIDATES; c++) {
      const i = draw.pick(l);
      const score = Math.log(l[i]! / lSum) - Math.log(g[i]! / gSum);
      if (score > bestScore) [best, bestScore] = [i, score];
    }
    return d.values[best];
  }
  const lo = toInternal(d, d.low);
  const hi = toInternal(d, d.high);
  const l = parzen(
    good.map((v) => toInternal(d, v as number)),
    lo,
    hi,
  );
  const g = parzen(
    bad.map((v) => toInternal(d, v as number)),
    lo,
    hi,
  );
  let best = fromInternal(d, l.mus[0]!);
  let bestScore = -Infinity;
  for (let c = 0; c < N_EI_CANDIDATES; c++) {
    // Scored where the value will actually be (ints after snapping), so l/g rank what runs.
    const x = fromInternal(d, sampleMixture(l, draw));
    const t = toInternal(d, x);
    const score = mixtureLogPdf(l, t) - mixtureLogPdf(g, t);
    if (score > bestScore) [best, bestScore] = [x, score];
  }
  return best;
}
