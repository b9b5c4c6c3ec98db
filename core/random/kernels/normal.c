/*
 * CPython's `random.gauss` (Box–Muller with the cached second value) on the MT19937 stream of mt19937.c, in the
 * same module, for core/random/cpython-random.ts. Every value equals the JavaScript evaluation it replaces, bit
 * for bit: `random()` takes two tempered words as CPython does; the logarithm is core/random/glibc-log.ts's
 * evaluation of glibc's log (the same operations in the same order: compiled with -ffp-contract=off, and
 * WebAssembly has no fused multiply-add of its own); sqrt is IEEE's; sin and cos are fdlibm's, which is what V8's
 * Math.sin and Math.cos run (src/base/ieee754.cc, Node 20), for the arguments a pair draws, [0, 2π).
 * test/unit/random/normal-kernel.test.ts compares them with Math.sin, Math.cos and glibcLog on about a million
 * inputs each (a one-off run compared 50 M angles, 50 M near multiples of π/2 and 100 M logs). Here a pair costs no boxed doubles and no calls out to V8's C++ sin and cos.
 * A run of draws (gauss_run) computes two pairs' cos and sin at once in f64x2 lanes (sincos2: the same operations per
 * lane, no data-dependent branch), about a fifth less per draw than one pair at a time with sincos_'s branches.
 * Built by scripts/build-random-kernel.sh.
 */
#include <stdint.h>
#include <wasm_simd128.h>

#define N 624

extern uint32_t tempered[N];
void twist(void);

/* The generator's position in `tempered` (JavaScript's Mt19937.mti, handed over around each call). */
int32_t mti;
/* gauss_next: `pair[1]` is the cached second value when `has_next` is 1; `pair[0]` the first of the pair just drawn. */
int32_t has_next;
double pair[2];
/* What `gauss_run` hands back: the clock after its draws and the draws themselves (max(gauss, 0) each). */
#define RUN_CAPACITY 2048
double run_clock;
double run_draws[RUN_CAPACITY];
/* `gauss_run`'s mu, sigma, clock and stop. */
double run_params[4];

/* glibc's log constants, written by JavaScript from core/random/glibc-log-data.ts (their one home) before `init`. */
double log_tab[256];
double log_a[5];
double log_b[11];
double log_ln2[2];

int32_t *mti_ptr(void) { return &mti; }
int32_t *has_next_ptr(void) { return &has_next; }
double *pair_ptr(void) { return pair; }
double *run_clock_ptr(void) { return &run_clock; }
double *run_draws_ptr(void) { return run_draws; }
double *run_params_ptr(void) { return run_params; }
int32_t run_capacity(void) { return RUN_CAPACITY; }
double *log_tab_ptr(void) { return log_tab; }
double *log_a_ptr(void) { return log_a; }
double *log_b_ptr(void) { return log_b; }
double *log_ln2_ptr(void) { return log_ln2; }

/* ---- glibc's log, as core/random/glibc-log.ts evaluates it ---- */

#define SPLITTER 134217729.0
#define FAST_PATH_MARGIN 0x1p-46
#define TWO_POW_27 134217728.0
#define TWO_POW_52 4503599627370496.0
#define MIN_NORMAL 2.2250738585072014e-308
#define NEAR_ONE_LOW 0.9375
#define NEAR_ONE_HIGH 1.064697265625

static double pow2_neg[2049]; /* 2^-e at e + 1024, e in -1022..1024 */
static double invc_hi[128], invc_lo[128];
static double ln2_lo_hi, ln2_lo_lo, a0h, a0l, a2h, a2l, a4h, a4l;
static double b2h, b2l, b3h, b3l, b5h, b5l, b6h, b6l, b8h, b8l, b9h, b9l, b10h, b10l;

static double split_high(double x) {
  double t = SPLITTER * x;
  return t - (t - x);
}

static inline uint64_t bits_of(double x) {
  union { double d; uint64_t u; } v = {x};
  return v.u;
}

static inline double fabs_(double x) { return __builtin_fabs(x); }

/* Derived tables; call once after the constants are written. */
void init(void) {
  double p = 1;
  for (int e = 0; e <= 1024; e++, p /= 2) pow2_neg[e + 1024] = p;
  p = 1;
  for (int e = 0; e >= -1022; e--, p *= 2) pow2_neg[e + 1024] = p;
  for (int i = 0; i < 128; i++) {
    invc_hi[i] = split_high(log_tab[2 * i]);
    invc_lo[i] = log_tab[2 * i] - invc_hi[i];
  }
  ln2_lo_hi = split_high(log_ln2[1]);
  ln2_lo_lo = log_ln2[1] - ln2_lo_hi;
  a0h = split_high(log_a[0]); a0l = log_a[0] - a0h;
  a2h = split_high(log_a[2]); a2l = log_a[2] - a2h;
  a4h = split_high(log_a[4]); a4l = log_a[4] - a4h;
  b2h = split_high(log_b[2]); b2l = log_b[2] - b2h;
  b3h = split_high(log_b[3]); b3l = log_b[3] - b3h;
  b5h = split_high(log_b[5]); b5l = log_b[5] - b5h;
  b6h = split_high(log_b[6]); b6l = log_b[6] - b6h;
  b8h = split_high(log_b[8]); b8l = log_b[8] - b8h;
  b9h = split_high(log_b[9]); b9l = log_b[9] - b9h;
  b10h = split_high(log_b[10]); b10l = log_b[10] - b10h;
}

/* The fused evaluation (glibc-log.ts logFused): for the calls the fast path cannot decide. */
static __attribute__((noinline)) double log_fused(double k, double r, double c0, double hi) {
  const double A0 = log_a[0], A1 = log_a[1], A2 = log_a[2], A3 = log_a[3], A4 = log_a[4];
  const double LN2_LO = log_ln2[1];
  double p1 = k * LN2_LO;
  double s1 = p1 + c0;
  double v1 = s1 - p1;
  double lo = s1 + (p1 - (s1 - v1) + (c0 - v1) + (k * ln2_lo_hi - p1 + k * ln2_lo_lo + 0 * ln2_lo_hi + 0 * ln2_lo_lo));
  double r2 = r * r;
  double rh = SPLITTER * r - (SPLITTER * r - r);
  double rl = r - rh;
  double r2h = SPLITTER * r2 - (SPLITTER * r2 - r2);
  double r2l = r2 - r2h;
  double p2 = r * A4;
  double s2 = p2 + A3;
  double v2 = s2 - p2;
  double q1 = s2 + (p2 - (s2 - v2) + (A3 - v2) + (rh * a4h - p2 + rh * a4l + rl * a4h + rl * a4l));
  double p3 = r * A2;
  double s3 = p3 + A1;
  double v3 = s3 - p3;
  double q0 = s3 + (p3 - (s3 - v3) + (A1 - v3) + (rh * a2h - p3 + rh * a2l + rl * a2h + rl * a2l));
  double q1h = SPLITTER * q1 - (SPLITTER * q1 - q1);
  double q1l = q1 - q1h;
  double p4 = r2 * q1;
  double s4 = p4 + q0;
  double v4 = s4 - p4;
  double poly = s4 + (p4 - (s4 - v4) + (q0 - v4) + (r2h * q1h - p4 + r2h * q1l + r2l * q1h + r2l * q1l));
  double p5 = r2 * A0;
  double s5 = p5 + lo;
  double v5 = s5 - p5;
  double tail = s5 + (p5 - (s5 - v5) + (lo - v5) + (r2h * a0h - p5 + r2h * a0l + r2l * a0h + r2l * a0l));
  double r3 = r * r2;
  double r3h = SPLITTER * r3 - (SPLITTER * r3 - r3);
  double r3l = r3 - r3h;
  double polyh = SPLITTER * poly - (SPLITTER * poly - poly);
  double polyl = poly - polyh;
  double p6 = r3 * poly;
  double s6 = p6 + tail;
  double v6 = s6 - p6;
  double y = s6 + (p6 - (s6 - v6) + (tail - v6) + (r3h * polyh - p6 + r3h * polyl + r3l * polyh + r3l * polyl));
  return y + hi;
}

/* Near 1 (glibc-log.ts logNearOne). */
static __attribute__((noinline)) double log_near_one(double x) {
  const double B0 = log_b[0], B1 = log_b[1], B2 = log_b[2], B3 = log_b[3], B4 = log_b[4], B5 = log_b[5];
  const double B6 = log_b[6], B7 = log_b[7], B8 = log_b[8], B9 = log_b[9], B10 = log_b[10];
  if (x == 1) return 0;
  double r = x - 1.0;
  double r2 = r * r;
  double r3 = r * r2;
  {
    double w0 = r * TWO_POW_27;
    double rhi0 = r + w0 - w0;
    w0 = rhi0 * rhi0 * B0;
    double hi0 = r + w0;
    double lo00 = r - hi0 + w0;
    double brsr = B0 * (r - rhi0) * (rhi0 + r);
    double inner2 = B7 + r * B8 + r2 * B9 + r3 * B10;
    double inner1 = B4 + r * B5 + r2 * B6;
    double inner0 = B1 + r * B2 + r2 * B3;
    double y = lo00 + brsr + r3 * (inner0 + r3 * (inner1 + r3 * inner2));
    double margin = (fabs_(lo00) + fabs_(brsr) + fabs_(r3) * 0.5) * FAST_PATH_MARGIN;
    double below = hi0 + (y - margin);
    if (below == hi0 + (y + margin)) return below;
  }
  double rh = SPLITTER * r - (SPLITTER * r - r);
  double rl = r - rh;
  double r2h = SPLITTER * r2 - (SPLITTER * r2 - r2);
  double r2l = r2 - r2h;
  double r3h = SPLITTER * r3 - (SPLITTER * r3 - r3);
  double r3l = r3 - r3h;
  double p7 = r * B8;
  double s7 = p7 + B7;
  double v7 = s7 - p7;
  double t8 = s7 + (p7 - (s7 - v7) + (B7 - v7) + (rh * b8h - p7 + rh * b8l + rl * b8h + rl * b8l));
  double p8 = r2 * B9;
  double s8 = p8 + t8;
  double v8 = s8 - p8;
  double t9 = s8 + (p8 - (s8 - v8) + (t8 - v8) + (r2h * b9h - p8 + r2h * b9l + r2l * b9h + r2l * b9l));
  double p9 = r3 * B10;
  double s9 = p9 + t9;
  double v9 = s9 - p9;
  double inner2 = s9 + (p9 - (s9 - v9) + (t9 - v9) + (r3h * b10h - p9 + r3h * b10l + r3l * b10h + r3l * b10l));
  double p10 = r * B5;
  double s10 = p10 + B4;
  double v10 = s10 - p10;
  double t5 = s10 + (p10 - (s10 - v10) + (B4 - v10) + (rh * b5h - p10 + rh * b5l + rl * b5h + rl * b5l));
  double p11 = r2 * B6;
  double s11 = p11 + t5;
  double v11 = s11 - p11;
  double inner1 = s11 + (p11 - (s11 - v11) + (t5 - v11) + (r2h * b6h - p11 + r2h * b6l + r2l * b6h + r2l * b6l));
  double p12 = r * B2;
  double s12 = p12 + B1;
  double v12 = s12 - p12;
  double t2 = s12 + (p12 - (s12 - v12) + (B1 - v12) + (rh * b2h - p12 + rh * b2l + rl * b2h + rl * b2l));
  double p13 = r2 * B3;
  double s13 = p13 + t2;
  double v13 = s13 - p13;
  double inner0 = s13 + (p13 - (s13 - v13) + (t2 - v13) + (r2h * b3h - p13 + r2h * b3l + r2l * b3h + r2l * b3l));
  double inner2h = SPLITTER * inner2 - (SPLITTER * inner2 - inner2);
  double inner2l = inner2 - inner2h;
  double p14 = r3 * inner2;
  double s14 = p14 + inner1;
  double v14 = s14 - p14;
  double mid = s14 + (p14 - (s14 - v14) + (inner1 - v14) +
                      (r3h * inner2h - p14 + r3h * inner2l + r3l * inner2h + r3l * inner2l));
  double midh = SPLITTER * mid - (SPLITTER * mid - mid);
  double midl = mid - midh;
  double p15 = r3 * mid;
  double s15 = p15 + inner0;
  double v15 = s15 - p15;
  double poly = s15 + (p15 - (s15 - v15) + (inner0 - v15) + (r3h * midh - p15 + r3h * midl + r3l * midh + r3l * midl));
  double w = r * TWO_POW_27;
  double rhi = r + w - w;
  double rlo = r - rhi;
  w = rhi * rhi * B0;
  double hi = r + w;
  double lo0 = r - hi + w;
  double br = B0 * rlo;
  double sr = rhi + r;
  double brh = SPLITTER * br - (SPLITTER * br - br);
  double brl = br - brh;
  double srh = SPLITTER * sr - (SPLITTER * sr - sr);
  double srl = sr - srh;
  double p16 = br * sr;
  double s16 = p16 + lo0;
  double v16 = s16 - p16;
  double lo = s16 + (p16 - (s16 - v16) + (lo0 - v16) + (brh * srh - p16 + brh * srl + brl * srh + brl * srl));
  double polyh = SPLITTER * poly - (SPLITTER * poly - poly);
  double polyl = poly - polyh;
  double p17 = r3 * poly;
  double s17 = p17 + lo;
  double v17 = s17 - p17;
  double y = s17 + (p17 - (s17 - v17) + (lo - v17) + (r3h * polyh - p17 + r3h * polyl + r3l * polyh + r3l * polyl));
  return y + hi;
}

/* glibc's log(x) for x in (0, 1] — what a pair draw takes the log of (1 − random()); arrivals.c's gaps too. */
double glibc_log(double x) {
  if (x >= NEAR_ONE_LOW && x < NEAR_ONE_HIGH) return log_near_one(x);
  int sub = 0;
  if (x < MIN_NORMAL) {
    x *= TWO_POW_52;
    sub = 52;
  }
  int32_t tmp_hi = (int32_t)((uint32_t)(bits_of(x) >> 32) - 0x3fe60000u);
  int i = (int)(((uint32_t)tmp_hi >> 13) & 127);
  int ki = (tmp_hi >> 20) - sub;
  double k = (double)ki;
  double z = x * pow2_neg[(tmp_hi >> 20) + 1024];
  double invc = log_tab[2 * i];
  double logc = log_tab[2 * i + 1];
  double zh = SPLITTER * z - (SPLITTER * z - z);
  double zl = z - zh;
  double ih = invc_hi[i];
  double il = invc_lo[i];
  double pz = z * invc;
  double r = pz - 1.0 + (zh * ih - pz + zh * il + zl * ih + zl * il);
  double w = k * log_ln2[0] + logc;
  double hi = w + r;
  double c0 = w - hi + r;
  {
    const double A0 = log_a[0], A1 = log_a[1], A2 = log_a[2], A3 = log_a[3], A4 = log_a[4];
    double r2 = r * r;
    double k_lo = k * log_ln2[1];
    double lo = c0 + k_lo;
    double poly = A1 + r * A2 + r2 * (A3 + r * A4);
    double r2a0 = r2 * A0;
    double r3poly = r * r2 * poly;
    double y = lo + r2a0 + r3poly;
    double margin = (fabs_(k_lo) + fabs_(c0) + fabs_(r2a0) + fabs_(r3poly)) * FAST_PATH_MARGIN;
    double below = hi + (y - margin);
    if (below == hi + (y + margin)) return below;
  }
  return log_fused(k, r, c0, hi);
}

/* ---- fdlibm's sin and cos (V8's ieee754::sin/cos in Node 20) for 0 ≤ x < 2π ---- */

#define S1 -1.66666666666666324348e-01
#define S2 8.33333333332248946124e-03
#define S3 -1.98412698298579493134e-04
#define S4 2.75573137070700676789e-06
#define S5 -2.50507602534068634195e-08
#define S6 1.58969099521155010221e-10
#define C1 4.16666666666666019037e-02
#define C2 -1.38888888888741095749e-03
#define C3 2.48015872894767294178e-05
#define C4 -2.75573143513906633035e-07
#define C5 2.08757232129817482790e-09
#define C6 -1.13596475577881948265e-11

static inline double kernel_sin(double x, double y, int iy) {
  int32_t ix = (int32_t)(bits_of(x) >> 32) & 0x7fffffff;
  if (ix < 0x3e400000 && (int)x == 0) return x;
  double z = x * x;
  double v = z * x;
  double r = S2 + z * (S3 + z * (S4 + z * (S5 + z * S6)));
  if (iy == 0) return x + v * (S1 + z * r);
  return x - ((z * (0.5 * y - v * r) - y) - v * S1);
}

static inline double kernel_cos(double x, double y) {
  int32_t ix = (int32_t)(bits_of(x) >> 32) & 0x7fffffff;
  if (ix < 0x3e400000 && (int)x == 0) return 1.0;
  double z = x * x;
  double r = z * (C1 + z * (C2 + z * (C3 + z * (C4 + z * (C5 + z * C6)))));
  if (ix < 0x3fd33333) return 1.0 - (0.5 * z - (z * r - x * y));
  double qx;
  if (ix > 0x3fe90000) {
    qx = 0.28125;
  } else {
    union { uint64_t u; double d; } q = {(uint64_t)(uint32_t)(ix - 0x00200000) << 32};
    qx = q.d;
  }
  double hz = 0.5 * z - qx;
  double a = 1.0 - qx;
  return a - (hz - (z * r - x * y));
}

#define INVPIO2 6.36619772367581382433e-01
#define PIO2_1 1.57079632673412561417e+00
#define PIO2_1T 6.07710050650619224932e-11
#define PIO2_2 6.07710050630396597660e-11
#define PIO2_2T 2.02226624879595063154e-21
#define PIO2_3 2.02226624871116645580e-21
#define PIO2_3T 8.47842766036889956997e-32

/* High words of k·π/2, k = 1..4 (fdlibm's npio2_hw, as far as x < 2π needs it). */
static const int32_t npio2_hw[4] = {0x3ff921fb, 0x400921fb, 0x4012d97c, 0x401921fb};

/* fdlibm's __ieee754_rem_pio2 for π/4 < x < 2π: x − n·π/2 as y0 + y1; returns n. */
static inline int rem_pio2(double x, double *y0, double *y1) {
  int32_t ix = (int32_t)(bits_of(x) >> 32) & 0x7fffffff;
  if (ix < 0x4002d97c) { /* x < 3π/4: n = 1 */
    double z = x - PIO2_1;
    if (ix != 0x3ff921fb) {
      *y0 = z - PIO2_1T;
      *y1 = (z - *y0) - PIO2_1T;
    } else {
      z -= PIO2_2;
      *y0 = z - PIO2_2T;
      *y1 = (z - *y0) - PIO2_2T;
    }
    return 1;
  }
  double t = x;
  int n = (int)(t * INVPIO2 + 0.5);
  double fn = (double)n;
  double r = t - fn * PIO2_1;
  double w = fn * PIO2_1T;
  if (n < 5 && ix != npio2_hw[n - 1]) {
    *y0 = r - w;
  } else {
    int32_t j = ix >> 20;
    *y0 = r - w;
    int32_t i = j - ((int32_t)(bits_of(*y0) >> 52) & 0x7ff);
    if (i > 16) {
      t = r;
      w = fn * PIO2_2;
      r = t - w;
      w = fn * PIO2_2T - ((t - r) - w);
      *y0 = r - w;
      i = j - ((int32_t)(bits_of(*y0) >> 52) & 0x7ff);
      if (i > 49) {
        t = r;
        w = fn * PIO2_3;
        r = t - w;
        w = fn * PIO2_3T - ((t - r) - w);
        *y0 = r - w;
      }
    }
  }
  *y1 = (r - *y0) - w;
  return n;
}

/* cos(x) and sin(x) for 0 ≤ x < 2π, each as fdlibm computes it on its own. */
static inline void sincos_(double x, double *c, double *s) {
  int32_t ix = (int32_t)(bits_of(x) >> 32) & 0x7fffffff;
  if (ix <= 0x3fe921fb) {
    *c = kernel_cos(x, 0.0);
    *s = kernel_sin(x, 0.0, 0);
    return;
  }
  double y0, y1;
  int n = rem_pio2(x, &y0, &y1);
  switch (n & 3) {
    case 0:
      *c = kernel_cos(y0, y1);
      *s = kernel_sin(y0, y1, 1);
      break;
    case 1:
      *c = -kernel_sin(y0, y1, 1);
      *s = kernel_cos(y0, y1);
      break;
    case 2:
      *c = -kernel_cos(y0, y1);
      *s = -kernel_sin(y0, y1, 1);
      break;
    default:
      *c = kernel_sin(y0, y1, 1);
      *s = -kernel_cos(y0, y1);
      break;
  }
}

/*
 * sincos_ for two angles at once (0 ≤ x < 2π each), in the two lanes of f64x2 operations: each lane's additions,
 * multiplications and sign flips are IEEE double operations of their own, so every lane gets sincos_'s bits. A pair's
 * angle is uniform, so sincos_'s data-dependent cases (no reduction below π/4; the quadrant; kernel_cos's three forms
 * of its last step) were coin tosses for the branch predictor; here every case is computed and each lane picks its
 * own by a bit mask:
 * - x ≤ π/4 (no reduction) is y0 = x, y1 = 0, n = 0 with kernel_sin's iy = 0 form; kernel_cos(x, 0) is its general
 *   form with y = 0 (x·0 = +0, so z·r − x·y is z·r either way);
 * - π/4 < x < 3π/4: rem_pio2's own n = 1 branch computes what its general one does with n = 1 (1·PIO2_1 = PIO2_1),
 *   and n = (int)(x·2/π + 0.5) is 1 on that whole interval, so one formula serves n = 1..4.
 * Returns nonzero when a lane needs one of fdlibm's rarer paths (its high word equals that of a multiple of π/2: the
 * longer reduction; or |y0| < 2^-27: the kernels' tiny-argument returns): the caller then takes sincos_ for both.
 */
static inline v128_t high_abs(v128_t x) { return wasm_v128_and(wasm_u64x2_shr(x, 32), wasm_i64x2_splat(0x7fffffff)); }

#define SPL wasm_f64x2_splat
#define ADD wasm_f64x2_add
#define SUB wasm_f64x2_sub
#define MUL wasm_f64x2_mul

static inline int sincos2(v128_t x, v128_t *c, v128_t *s) {
  v128_t ix = high_abs(x);
  v128_t small = wasm_i64x2_le(ix, wasm_i64x2_splat(0x3fe921fb));
  v128_t n32 = wasm_i32x4_trunc_sat_f64x2_zero(ADD(MUL(x, SPL(INVPIO2)), SPL(0.5)));
  v128_t fn = wasm_f64x2_convert_low_i32x4(n32);
  v128_t r = SUB(x, MUL(fn, SPL(PIO2_1)));
  v128_t w = MUL(fn, SPL(PIO2_1T));
  v128_t y0r = SUB(r, w);
  v128_t y1r = SUB(SUB(r, y0r), w);
  v128_t y0 = wasm_v128_bitselect(x, y0r, small);
  v128_t y1 = wasm_v128_andnot(y1r, small);
  v128_t iy = high_abs(y0);
  int32_t n0 = wasm_i32x4_extract_lane(n32, 0), n1 = wasm_i32x4_extract_lane(n32, 1);
  int32_t ix0 = (int32_t)wasm_i64x2_extract_lane(ix, 0), ix1 = (int32_t)wasm_i64x2_extract_lane(ix, 1);
  int rare = ((ix0 > 0x3fe921fb) & (ix0 == npio2_hw[(n0 - 1) & 3])) |
             ((ix1 > 0x3fe921fb) & (ix1 == npio2_hw[(n1 - 1) & 3])) |
             !wasm_i64x2_all_true(wasm_i64x2_ge(iy, wasm_i64x2_splat(0x3e400000)));
  v128_t z = MUL(y0, y0);
  v128_t v = MUL(z, y0);
  v128_t rs = ADD(SPL(S2), MUL(z, ADD(SPL(S3), MUL(z, ADD(SPL(S4), MUL(z, ADD(SPL(S5), MUL(z, SPL(S6)))))))));
  v128_t ks0 = ADD(y0, MUL(v, ADD(SPL(S1), MUL(z, rs))));
  v128_t ks1 = SUB(y0, SUB(SUB(MUL(z, SUB(MUL(SPL(0.5), y1), MUL(v, rs))), y1), MUL(v, SPL(S1))));
  v128_t ks = wasm_v128_bitselect(ks0, ks1, small);
  v128_t rc =
      MUL(z, ADD(SPL(C1), MUL(z, ADD(SPL(C2), MUL(z, ADD(SPL(C3), MUL(z, ADD(SPL(C4), MUL(z, ADD(SPL(C5), MUL(z, SPL(C6))))))))))));
  v128_t zr_xy = SUB(MUL(z, rc), MUL(y0, y1));
  v128_t kc_near = SUB(SPL(1.0), SUB(MUL(SPL(0.5), z), zr_xy));
  v128_t qx = wasm_v128_bitselect(SPL(0.28125), wasm_i64x2_shl(wasm_i64x2_sub(iy, wasm_i64x2_splat(0x00200000)), 32),
                                  wasm_i64x2_gt(iy, wasm_i64x2_splat(0x3fe90000)));
  v128_t kc_far = SUB(SUB(SPL(1.0), qx), SUB(SUB(MUL(SPL(0.5), z), qx), zr_xy));
  v128_t kc = wasm_v128_bitselect(kc_near, kc_far, wasm_i64x2_lt(iy, wasm_i64x2_splat(0x3fd33333)));
  /* Quadrant q = n & 3 (0 below π/4): odd swaps sin and cos; cos is negated for q = 1, 2 and sin for q = 2, 3. */
  v128_t q = wasm_v128_andnot(wasm_v128_and(wasm_i64x2_extend_low_i32x4(n32), wasm_i64x2_splat(3)), small);
  v128_t swap = wasm_i64x2_neg(wasm_v128_and(q, wasm_i64x2_splat(1)));
  v128_t neg_c = wasm_i64x2_shl(wasm_v128_and(wasm_u64x2_shr(wasm_i64x2_add(q, wasm_i64x2_splat(1)), 1), wasm_i64x2_splat(1)), 63);
  v128_t neg_s = wasm_i64x2_shl(wasm_u64x2_shr(q, 1), 63);
  *c = wasm_v128_xor(wasm_v128_bitselect(ks, kc, swap), neg_c);
  *s = wasm_v128_xor(wasm_v128_bitselect(kc, ks, swap), neg_s);
  return rare;
}

/* For the tests: cos and sin of xa and xb by sincos2 (sincos_ for both where a lane is rare) into run_draws[0..3]. */
void cos_sin_pair_of(double xa, double xb) {
  v128_t c, s;
  if (sincos2(wasm_f64x2_make(xa, xb), &c, &s)) {
    sincos_(xa, &run_draws[0], &run_draws[1]);
    sincos_(xb, &run_draws[2], &run_draws[3]);
    return;
  }
  run_draws[0] = wasm_f64x2_extract_lane(c, 0);
  run_draws[1] = wasm_f64x2_extract_lane(s, 0);
  run_draws[2] = wasm_f64x2_extract_lane(c, 1);
  run_draws[3] = wasm_f64x2_extract_lane(s, 1);
}

/* ---- the draws ---- */

static inline uint32_t next_word(void) {
  if (mti >= N) {
    twist();
    mti = 0;
  }
  return tempered[mti++];
}

/* random(): 53 bits from two words, as CPython. External: arrivals.c draws on the same stream. */
double random53(void) {
  uint32_t a = next_word() >> 5;
  uint32_t b = next_word() >> 6;
  return ((double)a * 67108864.0 + (double)b) * (1.0 / 9007199254740992.0);
}

/* A Box–Muller pair into pair[0] (cosine half) and pair[1] (sine half), CPython's draw order. */
static inline void draw_pair(void) {
  double x2pi = random53() * 6.283185307179586;
  double g2rad = __builtin_sqrt(-2.0 * glibc_log(1.0 - random53()));
  double c, s;
  sincos_(x2pi, &c, &s);
  pair[0] = c * g2rad;
  pair[1] = s * g2rad;
}

void gauss_pair(void) { draw_pair(); }

/* gauss(mu, sigma) with the cache, as cpython-random.ts's `gauss`. */
static inline double gauss(double mu, double sigma) {
  if (has_next) {
    has_next = 0;
    return mu + pair[1] * sigma;
  }
  draw_pair();
  has_next = 1;
  return mu + pair[0] * sigma;
}

/* random() from the two words at `m` (m ≤ N − 2), without touching mti. */
static inline double random53_from(const uint32_t *w) {
  return ((double)(w[0] >> 5) * 67108864.0 + (double)(w[1] >> 6)) * (1.0 / 9007199254740992.0);
}

/*
 * A run of latency draws d = max(gauss(mu, sigma), 0) (Math.max: +0 for −0, NaN stays NaN), each added to `clock`,
 * while fewer than `max_draws` (≤ RUN_CAPACITY) are made and the clock is before `stop`: the draws in run_draws,
 * the final clock in run_clock. Returns how many were made. mu, sigma, clock and stop come in run_params (written
 * by JavaScript), not as arguments: each generator has its own instance of this module, so the simulator's call
 * site sees several functions, V8 does not inline the call, and every double argument was then boxed (a heap
 * allocation each, four per run).
 *
 * Pairs are drawn two at a time where the block holds their eight words (sincos2: both angles in one pass, no
 * data-dependent branch), each pair from the same words as draw_pair would take them. The words of a pair that the
 * run drew but did not use are given back (mti moves back over them: the twist's output is only read here, so
 * nothing else changed), and a pair whose first half was used leaves its second as gauss_next, as gauss would.
 */
int32_t gauss_run(int32_t max_draws) {
  double mu = run_params[0], sigma = run_params[1], clock = run_params[2], stop = run_params[3];
  if (max_draws > RUN_CAPACITY) max_draws = RUN_CAPACITY;
  int32_t k = 0;
  /* Normal deviates drawn and not yet used, in draw order: q[qi..qn). */
  double q[4];
  int32_t qi = 0, qn = 0;
  if (has_next) {
    q[0] = pair[1];
    qn = 1;
  }
  while (k < max_draws && clock < stop) {
    if (qi == qn) {
      qi = 0;
      /* Two pairs when the block holds their words and the run may use more than one pair (else one, as gauss). */
      if (mti <= N - 8 && max_draws - k > 2) {
        const uint32_t *w = &tempered[mti];
        double ua = random53_from(w), va = random53_from(w + 2), ub = random53_from(w + 4), vb = random53_from(w + 6);
        mti += 8;
        v128_t g = wasm_f64x2_sqrt(wasm_f64x2_make(-2.0 * glibc_log(1.0 - va), -2.0 * glibc_log(1.0 - vb)));
        v128_t c, s;
        if (__builtin_expect(sincos2(MUL(wasm_f64x2_make(ua, ub), SPL(6.283185307179586)), &c, &s), 0)) {
          /* Built from scalars: clang 14 miscompiled two wasm_f64x2_replace_lane calls here (both lanes the second). */
          double ca, sa, cb, sb;
          sincos_(ua * 6.283185307179586, &ca, &sa);
          sincos_(ub * 6.283185307179586, &cb, &sb);
          c = wasm_f64x2_make(ca, cb);
          s = wasm_f64x2_make(sa, sb);
        }
        v128_t zc = MUL(c, g), zs = MUL(s, g);
        q[0] = wasm_f64x2_extract_lane(zc, 0);
        q[1] = wasm_f64x2_extract_lane(zs, 0);
        q[2] = wasm_f64x2_extract_lane(zc, 1);
        q[3] = wasm_f64x2_extract_lane(zs, 1);
        qn = 4;
      } else {
        draw_pair();
        q[0] = pair[0];
        q[1] = pair[1];
        qn = 2;
      }
    }
    double d = mu + q[qi++] * sigma;
    if (!(d > 0.0 || d != d)) d = 0.0;
    clock += d;
    run_draws[k++] = d;
  }
  /* Unused whole pairs go back to the stream; an odd one left is the second half of the pair in use. */
  int32_t left = qn - qi;
  mti -= 4 * (left >> 1);
  has_next = left & 1;
  if (has_next) pair[1] = q[qi];
  run_clock = clock;
  return k;
}

/* For the tests that compare the pieces with Math.cos, Math.sin and glibcLog: cos(x) into pair[0], sin(x) into pair[1]. */
void cos_sin_of(double x) { sincos_(x, &pair[0], &pair[1]); }
double log_of(double x) { return glibc_log(x); }
