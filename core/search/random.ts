/** Seeded draws for the samplers: one Mulberry32 stream per (sampler seed, trial index), so a suggestion is reproducible. */
import type { SearchDimension } from '../../contracts/index.js';
import { sha256Hex } from '../cache/index.js';
import { Mulberry32 } from '../random/index.js';

export interface Draw {
  /** Uniform on [0, 1). */
  uniform(): number;
  /** Standard normal (Box–Muller). */
  normal(): number;
  /** 0 ≤ i < n with the given weights (need not sum to 1). */
  pick(weights: readonly number[]): number;
}

export function trialDraw(seed: number, index: number, salt = ''): Draw {
  const rng = new Mulberry32(Number.parseInt(sha256Hex(`${seed}/${index}/${salt}`).slice(0, 8), 16));
  const uniform = () => rng.next();
  return {
    uniform,
    normal: () => {
      const u = 1 - uniform(); // (0, 1]: log stays finite
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
    },
    pick: (weights) => {
      const total = weights.reduce((a, b) => a + b, 0);
      let r = uniform() * total;
      for (let i = 0; i < weights.length; i++) {
        r -= weights[i]!;
        if (r < 0) return i;
      }
      return weights.length - 1;
    },
  };
}

/** A numeric dimension's internal scale: log for log ranges, so sampling and modelling are uniform there. */
export function toInternal(d: SearchDimension & { kind: 'float' | 'int' }, x: number): number {
  return d.log ? Math.log(x) : x;
}

export function fromInternal(d: SearchDimension & { kind: 'float' | 'int' }, t: number): number {
  const x = d.log ? Math.exp(t) : t;
  if (d.kind === 'float') return Math.min(d.high, Math.max(d.low, x));
  // Ints snap to low + k·step inside the range.
  const k = Math.round((x - d.low) / d.step);
  const kMax = Math.floor((d.high - d.low) / d.step);
  return d.low + Math.min(kMax, Math.max(0, k)) * d.step;
}

/** One uniform draw of a dimension (uniform in log space on log ranges). */
export function sampleUniform(d: SearchDimension, draw: Draw): unknown {
  if (d.kind === 'choice') return d.values[Math.floor(draw.uniform() * d.values.length)];
  const lo = toInternal(d, d.low);
  const hi = toInternal(d, d.high);
  // Ints: widen by half a step so the end values are as likely as the others.
  const pad = d.kind === 'int' && !d.log ? d.step / 2 : 0;
  return fromInternal(d, lo - pad + draw.uniform() * (hi - lo + 2 * pad));
}
