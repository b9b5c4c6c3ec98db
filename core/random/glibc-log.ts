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
/** 2^-46: eight times the bound on how far the unfused y can be from the fused one, relative to its terms. */
const FAST_PATH_MARGIN = 2 ** -46;
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
/** 2^−e for e in −1022..1024 (the exponents `logInPlace` reduces by), at e + POW2_NEG_OFFSET; built by halving, exact. */
const POW2_NEG_OFFSET = 1024;
const POW2_NEG = new Float64Array(2049);
{
  let p = 1;
  for (let e = 0; e <= 1024; e++, p /= 2) POW2_NEG[e + POW2_NEG_OFFSET] = p;
  p = 1;
  for (let e = 0; e >= -1022; e--, p *= 2) POW2_NEG[e + POW2_NEG_OFFSET] = p;
}

/** High 26-bit half of a Veltkamp split (the low half is x − high). */
function splitHigh(x: number): number {
  const t = SPLITTER * x;
  return t - (t - x);
}

// Splits of the constant operands, computed once. The fused multiply-adds are written out inline (each: the
// exact product error by Dekker's method plus a compensated sum, rounded once): as function calls V8 would box
// every double they return, which made the log ~15× slower than Math.log.
const INVC_HI = new Float64Array(128);
const INVC_LO = new Float64Array(128);
for (let i = 0; i < 128; i++) {
  INVC_HI[i] = splitHigh(TAB[2 * i]!);
  INVC_LO[i] = TAB[2 * i]! - INVC_HI[i]!;
}
const LN2_LO_HI = splitHigh(LN2_LO);
const LN2_LO_LO = LN2_LO - LN2_LO_HI;
const A0 = A[0]!;
const A0H = splitHigh(A0);
const A0L = A0 - A0H;
const A1 = A[1]!;
const A2 = A[2]!;
const A2H = splitHigh(A2);
const A2L = A2 - A2H;
const A3 = A[3]!;
const A4 = A[4]!;
const A4H = splitHigh(A4);
const A4L = A4 - A4H;
const B0 = B[0]!;
const B1 = B[1]!;
const B2 = B[2]!;
const B2H = splitHigh(B2);
const B2L = B2 - B2H;
const B3 = B[3]!;
const B3H = splitHigh(B3);
const B3L = B3 - B3H;
const B4 = B[4]!;
const B5 = B[5]!;
const B5H = splitHigh(B5);
const B5L = B5 - B5H;
const B6 = B[6]!;
const B6H = splitHigh(B6);
const B6L = B6 - B6H;
const B7 = B[7]!;
const B8 = B[8]!;
const B8H = splitHigh(B8);
const B8L = B8 - B8H;
const B9 = B[9]!;
const B9H = splitHigh(B9);
const B9L = B9 - B9H;
const B10 = B[10]!;
const B10H = splitHigh(B10);
const B10L = B10 - B10H;

/**
 * Argument and result of `logInPlace` (and, in io[2..5], the state it hands to `logFused`). The evaluation is too large for V8 to inline, and a double passed to or
 * returned from a call that is not inlined is boxed (a heap allocation per call); through this array nothing is,
 * and `glibcLog` below is small enough to be inlined into its callers.
 */
const io = new Float64Array(6);

/** glibc's log(x). Non-positive, infinite and NaN inputs behave as `Math.log` (−∞, NaN, ∞). */
export function glibcLog(x: number): number {
  io[0] = x;
  logInPlace();
  return io[1]!;
}

/** io[1] = glibc's log(io[0]). */
function logInPlace(): void {
  let x = io[0]!;
  if (x >= NEAR_ONE_LOW && x < NEAR_ONE_HIGH) {
    logNearOne();
    return;
  }
  if (!(x > 0) || x === Number.POSITIVE_INFINITY) {
    io[1] = Math.log(x);
    return;
  }
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
  // z = x / 2^k, in [0x1.6p-1, 0x1.6p0): a multiplication by an exact power of two, exact because z is normal.
  // (Writing the exponent into x's bits and reading the double back costs a store-forwarding stall per call.)
  const z = x * POW2_NEG[(tmpHi >> 20) + POW2_NEG_OFFSET]!;
  const invc = TAB[2 * i]!;
  const logc = TAB[2 * i + 1]!;
  const zh = SPLITTER * z - (SPLITTER * z - z);
  const zl = z - zh;
  const ih = INVC_HI[i]!;
  const il = INVC_LO[i]!;
  const pz = z * invc;
  // r = fma(z, invc, −1): z·invc is within 2^-7 of 1, so pz − 1 is exact and r is that plus the product's error.
  const r = pz - 1.0 + (zh * ih - pz + zh * il + zl * ih + zl * il);
  // k has at most 11 bits and LN2_HI at most 42, so k·LN2_HI is exact: fma(k, LN2_HI, logc) is a plain sum.
  const w = k * LN2_HI + logc;
  const hi = w + r;
  const c0 = w - hi + r;
  // Fast path: the rest of glibc's evaluation (lo + r²·A0 + r³·poly, fused multiply-adds) only adds y to hi, and
  // y is far below hi's last bit (|r| < 2^-8 off the near-one range, where |hi| > 0.06). Evaluated with plain
  // multiplies and adds, y differs from the fused y by a few units of its own last place, at most 2^-49·S with S
  // the sum of its terms' magnitudes. When hi + y rounds to the same double across 8 times that margin, that
  // double is glibc's result; otherwise (about 1 call in 2000) the fused evaluation below decides.
  {
    const r2 = r * r;
    const kLo = k * LN2_LO;
    const lo = c0 + kLo;
    const poly = A1 + r * A2 + r2 * (A3 + r * A4);
    const r2A0 = r2 * A0;
    const r3poly = r * r2 * poly;
    const y = lo + r2A0 + r3poly;
    const margin = (Math.abs(kLo) + Math.abs(c0) + Math.abs(r2A0) + Math.abs(r3poly)) * FAST_PATH_MARGIN;
    const below = hi + (y - margin);
    if (below === hi + (y + margin)) {
      io[1] = below;
      return;
    }
  }
  io[2] = k;
  io[3] = r;
  io[4] = c0;
  io[5] = hi;
  logFused();
}

/**
 * io[1] = glibc's log from the reduced argument in io[2..5] (k, r, c0, hi): the fused evaluation, for the calls the
 * fast path cannot decide. Out of line so that `logInPlace` stays small enough for V8 to inline into its callers.
 */
function logFused(): void {
  const k = io[2]!;
  const r = io[3]!;
  const c0 = io[4]!;
  const hi = io[5]!;
  // fma(k, LN2_LO, c0): k fits 26 bits, so it is its own split.
  const p1 = k * LN2_LO;
  const s1 = p1 + c0;
  const v1 = s1 - p1;
  const lo =
    s1 + (p1 - (s1 - v1) + (c0 - v1) + (k * LN2_LO_HI - p1 + k * LN2_LO_LO + 0 * LN2_LO_HI + 0 * LN2_LO_LO));
  const r2 = r * r;
  const rh = SPLITTER * r - (SPLITTER * r - r);
  const rl = r - rh;
  const r2h = SPLITTER * r2 - (SPLITTER * r2 - r2);
  const r2l = r2 - r2h;
  const p2 = r * A4;
  const s2 = p2 + A3;
  const v2 = s2 - p2;
  const q1 = s2 + (p2 - (s2 - v2) + (A3 - v2) + (rh * A4H - p2 + rh * A4L + rl * A4H + rl * A4L));
  const p3 = r * A2;
  const s3 = p3 + A1;
  const v3 = s3 - p3;
  const q0 = s3 + (p3 - (s3 - v3) + (A1 - v3) + (rh * A2H - p3 + rh * A2L + rl * A2H + rl * A2L));
  const q1h = SPLITTER * q1 - (SPLITTER * q1 - q1);
  const q1l = q1 - q1h;
  const p4 = r2 * q1;
  const s4 = p4 + q0;
  const v4 = s4 - p4;
  const poly = s4 + (p4 - (s4 - v4) + (q0 - v4) + (r2h * q1h - p4 + r2h * q1l + r2l * q1h + r2l * q1l));
  const p5 = r2 * A0;
  const s5 = p5 + lo;
  const v5 = s5 - p5;
  const tail = s5 + (p5 - (s5 - v5) + (lo - v5) + (r2h * A0H - p5 + r2h * A0L + r2l * A0H + r2l * A0L));
  const r3 = r * r2;
  const r3h = SPLITTER * r3 - (SPLITTER * r3 - r3);
  const r3l = r3 - r3h;
  const polyh = SPLITTER * poly - (SPLITTER * poly - poly);
  const polyl = poly - polyh;
  const p6 = r3 * poly;
  const s6 = p6 + tail;
  const v6 = s6 - p6;
  const y =
    s6 + (p6 - (s6 - v6) + (tail - v6) + (r3h * polyh - p6 + r3h * polyl + r3l * polyh + r3l * polyl));
  io[1] = y + hi;
}

/** io[1] = glibc's log(io[0]) for io[0] near 1 (its own polynomial). */
function logNearOne(): void {
  const x = io[0]!;
  if (x === 1) {
    io[1] = 0;
    return;
  }
  const r = x - 1.0;
  const r2 = r * r;
  const r3 = r * r2;
  // Fast path, as in `logInPlace`: the exact head (hi, lo0) plus y evaluated with plain multiplies and adds. Each
  // unfused step is off its fused value by at most 2^-52 of its terms' magnitudes, and |r| < 0.065 shrinks what the
  // inner steps pass on, so y is within 2^-50·S of glibc's fused y, S = |lo0| + |B0·rlo·(rhi + r)| + |r³|·0.5 (the
  // polynomial's terms sum to at most 0.36 in magnitude). When hi + y rounds alike across 16 times that margin, that
  // is glibc's result; otherwise the fused evaluation below decides.
  {
    let w0 = r * TWO_POW_27;
    const rhi0 = r + w0 - w0;
    w0 = rhi0 * rhi0 * B0;
    const hi0 = r + w0;
    const lo00 = r - hi0 + w0;
    const brsr = B0 * (r - rhi0) * (rhi0 + r);
    const inner2 = B7 + r * B8 + r2 * B9 + r3 * B10;
    const inner1 = B4 + r * B5 + r2 * B6;
    const inner0 = B1 + r * B2 + r2 * B3;
    const y = lo00 + brsr + r3 * (inner0 + r3 * (inner1 + r3 * inner2));
    const margin = (Math.abs(lo00) + Math.abs(brsr) + Math.abs(r3) * 0.5) * FAST_PATH_MARGIN;
    const below = hi0 + (y - margin);
    if (below === hi0 + (y + margin)) {
      io[1] = below;
      return;
    }
  }
  const rh = SPLITTER * r - (SPLITTER * r - r);
  const rl = r - rh;
  const r2h = SPLITTER * r2 - (SPLITTER * r2 - r2);
  const r2l = r2 - r2h;
  const r3h = SPLITTER * r3 - (SPLITTER * r3 - r3);
  const r3l = r3 - r3h;
  const p7 = r * B8;
  const s7 = p7 + B7;
  const v7 = s7 - p7;
  const t8 = s7 + (p7 - (s7 - v7) + (B7 - v7) + (rh * B8H - p7 + rh * B8L + rl * B8H + rl * B8L));
  const p8 = r2 * B9;
  const s8 = p8 + t8;
  const v8 = s8 - p8;
  const t9 = s8 + (p8 - (s8 - v8) + (t8 - v8) + (r2h * B9H - p8 + r2h * B9L + r2l * B9H + r2l * B9L));
  const p9 = r3 * B10;
  const s9 = p9 + t9;
  const v9 = s9 - p9;
  const inner2 = s9 + (p9 - (s9 - v9) + (t9 - v9) + (r3h * B10H - p9 + r3h * B10L + r3l * B10H + r3l * B10L));
  const p10 = r * B5;
  const s10 = p10 + B4;
  const v10 = s10 - p10;
  const t5 = s10 + (p10 - (s10 - v10) + (B4 - v10) + (rh * B5H - p10 + rh * B5L + rl * B5H + rl * B5L));
  const p11 = r2 * B6;
  const s11 = p11 + t5;
  const v11 = s11 - p11;
  const inner1 =
    s11 + (p11 - (s11 - v11) + (t5 - v11) + (r2h * B6H - p11 + r2h * B6L + r2l * B6H + r2l * B6L));
  const p12 = r * B2;
  const s12 = p12 + B1;
  const v12 = s12 - p12;
  const t2 = s12 + (p12 - (s12 - v12) + (B1 - v12) + (rh * B2H - p12 + rh * B2L + rl * B2H + rl * B2L));
  const p13 = r2 * B3;
  const s13 = p13 + t2;
  const v13 = s13 - p13;
  const inner0 =
    s13 + (p13 - (s13 - v13) + (t2 - v13) + (r2h * B3H - p13 + r2h * B3L + r2l * B3H + r2l * B3L));
  const inner2h = SPLITTER * inner2 - (SPLITTER * inner2 - inner2);
  const inner2l = inner2 - inner2h;
  const p14 = r3 * inner2;
  const s14 = p14 + inner1;
  const v14 = s14 - p14;
  const mid =
    s14 +
    (p14 -
      (s14 - v14) +
      (inner1 - v14) +
      (r3h * inner2h - p14 + r3h * inner2l + r3l * inner2h + r3l * inner2l));
  const midh = SPLITTER * mid - (SPLITTER * mid - mid);
  const midl = mid - midh;
  const p15 = r3 * mid;
  const s15 = p15 + inner0;
  const v15 = s15 - p15;
  const poly =
    s15 + (p15 - (s15 - v15) + (inner0 - v15) + (r3h * midh - p15 + r3h * midl + r3l * midh + r3l * midl));
  let w = r * TWO_POW_27;
  const rhi = r + w - w;
  const rlo = r - rhi;
  w = rhi * rhi * B0; // exact: rhi has 26 bits
  const hi = r + w;
  const lo0 = r - hi + w;
  const br = B0 * rlo; // exact: B0 = −0.5
  const sr = rhi + r;
  const brh = SPLITTER * br - (SPLITTER * br - br);
  const brl = br - brh;
  const srh = SPLITTER * sr - (SPLITTER * sr - sr);
  const srl = sr - srh;
  const p16 = br * sr;
  const s16 = p16 + lo0;
  const v16 = s16 - p16;
  const lo = s16 + (p16 - (s16 - v16) + (lo0 - v16) + (brh * srh - p16 + brh * srl + brl * srh + brl * srl));
  const polyh = SPLITTER * poly - (SPLITTER * poly - poly);
  const polyl = poly - polyh;
  const p17 = r3 * poly;
  const s17 = p17 + lo;
  const v17 = s17 - p17;
  const y =
    s17 + (p17 - (s17 - v17) + (lo - v17) + (r3h * polyh - p17 + r3h * polyl + r3l * polyh + r3l * polyl));
  io[1] = y + hi;
}
