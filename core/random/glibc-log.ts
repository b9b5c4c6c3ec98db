/**
 * Natural logarithm that returns exactly what CPython's `math.log`/`random` get from glibc (≥ 2.28) on x86-64
 * with FMA: the optimized-routines algorithm (table of 128 (1/c, ln c), polynomial for log1p, a separate
 * polynomial near 1) with the fused multiply-adds GCC forms in glibc's FMA build. V8's `Math.log` differs in the
 * last bit for ~5% of inputs, and glibc itself is not correctly rounded (~0.05%), so only a port of glibc's
 * own evaluation order reproduces `expovariate` and `gauss` draw for draw. Checked against CPython on 500 000
 * inputs (test/unit/random/glibc-log.test.ts).
 */
import { A, B, LN2_HI, LN2_LO, TAB } from './glibc-log-data.js';

const SPLITTER = 134217729; // 2^27 + 1 (Veltkamp split)
const TWO_POW_27 = 134217728;
const TWO_POW_52 = 4503599627370496;
const MIN_NORMAL = 2.2250738585072014e-308;
const NEAR_ONE_LOW = 0.9375; // 1 − 2^-4
const NEAR_ONE_HIGH = 1.064697265625; // 1 + 0x1.09p-4

/** a·b + c with one rounding (exact product by Veltkamp/Dekker, then a compensated sum). */
export function fma(a: number, b: number, c: number): number {
  const p = a * b;
  let t = SPLITTER * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLITTER * b;
  const bh = t - (t - b);
  const bl = b - bh;
  const e = ah * bh - p + ah * bl + al * bh + al * bl;
  const s = p + c;
  const bb = s - p;
  const err = p - (s - bb) + (c - bb);
  return s + (err + e);
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** glibc's log(x). Non-positive, infinite and NaN inputs behave as `Math.log` (−∞, NaN, ∞). */
export function glibcLog(x: number): number {
  if (x >= NEAR_ONE_LOW && x < NEAR_ONE_HIGH) return logNearOne(x);
  if (!(x > 0) || x === Number.POSITIVE_INFINITY) return Math.log(x);
  let sub = 0;
  if (x < MIN_NORMAL) {
    x *= TWO_POW_52;
    sub = 52;
  }
  f64[0] = x;
  const hi32 = u32[1]!;
  // tmp = bits(x) − bits(0x1.6p-1): its top bits give the exponent k and the table index i.
  const tmpHi = (hi32 - 0x3fe60000) | 0;
  const i = (tmpHi >>> 13) & 127;
  const k = (tmpHi >> 20) - sub;
  u32[1] = (hi32 - (tmpHi & 0xfff00000)) >>> 0; // z = x / 2^k, in [0x1.6p-1, 0x1.6p0)
  const z = f64[0]!;
  const invc = TAB[2 * i]!;
  const logc = TAB[2 * i + 1]!;
  const r = fma(z, invc, -1.0);
  const w = fma(k, LN2_HI, logc);
  const hi = w + r;
  const lo = fma(k, LN2_LO, w - hi + r);
  const r2 = r * r;
  const p = fma(r2, fma(r, A[4]!, A[3]!), fma(r, A[2]!, A[1]!));
  return fma(r * r2, p, fma(r2, A[0]!, lo)) + hi;
}

function logNearOne(x: number): number {
  if (x === 1) return 0;
  const r = x - 1.0;
  const r2 = r * r;
  const r3 = r * r2;
  const p = fma(
    r3,
    fma(r3, fma(r3, B[10]!, fma(r2, B[9]!, fma(r, B[8]!, B[7]!))), fma(r2, B[6]!, fma(r, B[5]!, B[4]!))),
    fma(r2, B[3]!, fma(r, B[2]!, B[1]!)),
  );
  let w = r * TWO_POW_27;
  const rhi = r + w - w;
  const rlo = r - rhi;
  w = rhi * rhi * B[0]!; // exact: rhi has 26 bits
  const hi = r + w;
  let lo = r - hi + w;
  lo = fma(B[0]! * rlo, rhi + r, lo);
  return fma(r3, p, lo) + hi;
}
