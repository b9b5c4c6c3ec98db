/*
 * Float32 kernels of the multi-environment PPO update and its collection forward pass (core/rl/mlp-kernels.ts),
 * compiled to WebAssembly with SIMD128 by scripts/build-kernels.sh. One call does a whole layer: the matrix product
 * with its bias, tanh or tanh' fused into the tile's epilogue, so every activation is written once and read once per
 * pass.
 *
 * Layouts. A matrix of R rows and C columns (R padded to a multiple of 2, C to a multiple of 8) is kept in two
 * forms, each the one a product streams through without a stride:
 *   - "Q" (column quads): C/4 blocks of [R][4]. Read four columns at a time down the rows: the x of dW = Xᵀ·D, the
 *     D of dW (two quads), and H in tanh' epilogues.
 *   - "M" (row quads): ⌈R/4⌉ blocks of [C][4]. Read four rows at a time along the columns: the left operand of
 *     x·W and of D·Wᵀ.
 * Parameters stay in a packed order for a whole update (kernels in panels of [K][8], zero-padded; Adam steps them
 * there and dW is written that way), so only Wᵀ is rebuilt after each step. In these layouts every operand of the
 * update is one contiguous stream (with an 8-column panel-major activation layout, x·W ran at 39 GFLOP/s instead of
 * 45 here: its four rows sat 8 KB apart per 8 columns).
 *
 * Numbers. Each output element is a sum over k in increasing order, started from zero, with separate multiply and
 * add (no FMA, no reassociation): the same float order on every machine, and the same as XNNPACK's kernels in
 * tfjs-wasm. Tiles are 4 rows × 8 columns: 8 accumulators + 2 B vectors + 1 broadcast fit the 16 XMM registers
 * V8 can use on x64 (6×8 or 4×12 tiles spill and run 15–25 % slower); a last pair of rows takes 2 × 16 tiles.
 */
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))
#define INLINE static inline __attribute__((always_inline))

typedef float f32;
typedef double f64;

INLINE v128_t ld(const f32* p) { return wasm_v128_load(p); }
INLINE void st(f32* p, v128_t x) { wasm_v128_store(p, x); }
INLINE v128_t bcast(const f32* p) { return wasm_v128_load32_splat(p); }
INLINE v128_t add(v128_t a, v128_t b) { return wasm_f32x4_add(a, b); }
INLINE v128_t sub(v128_t a, v128_t b) { return wasm_f32x4_sub(a, b); }
INLINE v128_t mul(v128_t a, v128_t b) { return wasm_f32x4_mul(a, b); }
INLINE v128_t splat(f32 x) { return wasm_f32x4_splat(x); }

/* A 4 × 8 block of accumulators (row r, half h). */
typedef struct {
  v128_t c[4][2];
} Tile;

INLINE void tile_zero(Tile* t) {
  for (int r = 0; r < 4; r++) t->c[r][0] = t->c[r][1] = splat(0.0f);
}

/* One k step: row r of the tile gets a[r] · b[0..8). */
#define STEP(t, x0, x1, x2, x3, b0, b1)                                              \
  do {                                                                               \
    (t).c[0][0] = add((t).c[0][0], mul(x0, b0)); (t).c[0][1] = add((t).c[0][1], mul(x0, b1)); \
    (t).c[1][0] = add((t).c[1][0], mul(x1, b0)); (t).c[1][1] = add((t).c[1][1], mul(x1, b1)); \
    (t).c[2][0] = add((t).c[2][0], mul(x2, b0)); (t).c[2][1] = add((t).c[2][1], mul(x2, b1)); \
    (t).c[3][0] = add((t).c[3][0], mul(x3, b0)); (t).c[3][1] = add((t).c[3][1], mul(x3, b1)); \
  } while (0)

/*
 * Rows r..r+3 of A (M layout, `a` at their block) times one packed panel of B ([kp][8], `b`): k runs over the
 * block's columns, four rows' values side by side.
 */
INLINE void tile_nn(Tile* t, int kp, const f32* a, const f32* b) {
  Tile s = *t;
  for (int k = 0; k < kp; k++, a += 4, b += 8) {
    v128_t b0 = ld(b), b1 = ld(b + 4);
    STEP(s, bcast(a), bcast(a + 1), bcast(a + 2), bcast(a + 3), b0, b1);
  }
  *t = s;
}

/*
 * Columns i..i+3 of X (Q layout, `x` at their quad) against eight columns of D (Q layout, `d0` and `d1` at their two
 * quads), summed over the first `rows` rows: (Xᵀ·D)[i + q][j..j+8).
 */
INLINE void tile_tn(Tile* t, int rows, const f32* x, const f32* d0, const f32* d1) {
  Tile s = *t;
  for (int r = 0; r < rows; r++, x += 4, d0 += 4, d1 += 4) {
    v128_t b0 = ld(d0), b1 = ld(d1);
    STEP(s, bcast(x), bcast(x + 1), bcast(x + 2), bcast(x + 3), b0, b1);
  }
  *t = s;
}

/* ---- tanh ---------------------------------------------------------------------------------------------------- */

/* e^x (Cephes expf: range reduction by ln 2 in two parts, degree-5 polynomial; ~1 ulp), x clamped to [-87.3, 88]. */
INLINE v128_t exp4(v128_t x) {
  x = wasm_f32x4_max(wasm_f32x4_min(x, splat(88.0f)), splat(-87.3365447504f));
  v128_t n = wasm_f32x4_nearest(mul(x, splat(1.44269504088896341f)));
  v128_t r = sub(sub(x, mul(n, splat(0.693359375f))), mul(n, splat(-2.12194440e-4f)));
  v128_t p = splat(1.9875691500e-4f);
  p = add(mul(p, r), splat(1.3981999507e-3f));
  p = add(mul(p, r), splat(8.3334519073e-3f));
  p = add(mul(p, r), splat(4.1665795894e-2f));
  p = add(mul(p, r), splat(1.6666665459e-1f));
  p = add(mul(p, r), splat(5.0000001201e-1f));
  p = add(add(mul(mul(p, r), r), r), splat(1.0f));
  v128_t scale = wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(n), wasm_i32x4_splat(127)), 23);
  return mul(p, scale);
}

/*
 * tanh(x) = sign(x) · m / (m + 2) with m = e^{2|x|} − 1: expm1 by range reduction (2|x| = n ln 2 + r, |r| ≤ ln 2 / 2),
 * its Taylor polynomial to r⁷ on r, and m = 2ⁿ·p + (2ⁿ − 1), which stays exact near 0 where 1 − 2/(e^{2x} + 1)
 * would cancel. |x| is capped at 9.1, past which tanh rounds to 1. Within 2 ulp of the correctly rounded value
 * (measured: test/unit/rl/mlp-kernels.test.ts), half the work of Cephes' two-branch tanhf (1 ulp) at 0.19 instead of
 * 0.38 ms per 128 K values; an Eigen-style rational was as fast but 7 ulp off.
 */
INLINE v128_t tanh4(v128_t x) {
  v128_t ax = wasm_f32x4_min(wasm_f32x4_abs(x), splat(9.1f));
  v128_t y = add(ax, ax);
  v128_t n = wasm_f32x4_nearest(mul(y, splat(1.44269504088896341f)));
  v128_t r = sub(sub(y, mul(n, splat(0.693359375f))), mul(n, splat(-2.12194440e-4f)));
  v128_t p = splat(1.0f / 5040);
  p = add(mul(p, r), splat(1.0f / 720));
  p = add(mul(p, r), splat(1.0f / 120));
  p = add(mul(p, r), splat(1.0f / 24));
  p = add(mul(p, r), splat(1.0f / 6));
  p = add(mul(p, r), splat(0.5f));
  p = add(mul(mul(p, r), r), r);
  v128_t s = wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(n), wasm_i32x4_splat(127)), 23);
  v128_t m = add(mul(s, p), sub(s, splat(1.0f)));
  v128_t t = wasm_f32x4_div(m, add(m, splat(2.0f)));
  /* the sign of x (tanh(-0) = -0) */
  return wasm_v128_or(t, wasm_v128_and(x, wasm_i32x4_splat((int)0x80000000)));
}

EXPORT(tanh_inplace) void tanh_inplace(f32* x, int n) {
  for (int i = 0; i < n; i += 4) st(x + i, tanh4(ld(x + i)));
}

/* ---- stores ---------------------------------------------------------------------------------------------------- */

/* Rows r0..r0+3 (or the first `n` of them) of a 4 × 8 tile at column j into Q layout with `rp` rows. */
INLINE void store_q(f32* q, int rp, int r0, int j, const v128_t c[][2], int n) {
  f32* q0 = q + (j >> 2) * rp * 4 + r0 * 4;
  f32* q1 = q0 + rp * 4;
  for (int r = 0; r < n; r++) {
    st(q0 + 4 * r, c[r][0]);
    st(q1 + 4 * r, c[r][1]);
  }
}

/* Four row vectors → four column vectors. */
INLINE void transpose4(v128_t r0, v128_t r1, v128_t r2, v128_t r3, v128_t out[4]) {
  v128_t t0 = wasm_i32x4_shuffle(r0, r1, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(r2, r3, 0, 4, 1, 5);
  v128_t t2 = wasm_i32x4_shuffle(r0, r1, 2, 6, 3, 7), t3 = wasm_i32x4_shuffle(r2, r3, 2, 6, 3, 7);
  out[0] = wasm_i32x4_shuffle(t0, t1, 0, 1, 4, 5);
  out[1] = wasm_i32x4_shuffle(t0, t1, 2, 3, 6, 7);
  out[2] = wasm_i32x4_shuffle(t2, t3, 0, 1, 4, 5);
  out[3] = wasm_i32x4_shuffle(t2, t3, 2, 3, 6, 7);
}

/* Rows r0..r0+3 (a whole row block; rows past `n` stored as zero) of a tile at column j into M layout, `cp` columns. */
INLINE void store_m(f32* m, int cp, int r0, int j, const v128_t c[][2], int n) {
  f32* out = m + (r0 >> 2) * cp * 4 + j * 4;
  v128_t zero = splat(0.0f);
  for (int h = 0; h < 2; h++) {
    v128_t col[4];
    transpose4(c[0][h], n > 1 ? c[1][h] : zero, n > 2 ? c[2][h] : zero, n > 3 ? c[3][h] : zero, col);
    for (int q = 0; q < 4; q++) st(out + 16 * h + 4 * q, col[q]);
  }
}

/* ---- products ------------------------------------------------------------------------------------------------ */

enum Epilogue { PLAIN, BIAS, BIAS_TANH, TIMES_DTANH };

/* The epilogue of one accumulator vector: + bias; tanh(· + bias); or ⊙ (1 − h²) for the vector h of H. */
INLINE v128_t finish(v128_t x, enum Epilogue e, v128_t bias, const f32* h) {
  if (e == BIAS) return add(x, bias);
  if (e == BIAS_TANH) return tanh4(add(x, bias));
  if (e == TIMES_DTANH) {
    v128_t hv = ld(h);
    return mul(x, sub(splat(1.0f), mul(hv, hv)));
  }
  return x;
}

/* Two rows of A (M layout) times two packed panels of B (16 columns): for batches of two, without padding rows. */
INLINE void tile_nn_2x16(v128_t c[2][4], int kp, const f32* a, const f32* b, const f32* b2) {
  v128_t s[2][4];
  for (int r = 0; r < 2; r++)
    for (int v = 0; v < 4; v++) s[r][v] = splat(0.0f);
  for (int k = 0; k < kp; k++, a += 4, b += 8, b2 += 8) {
    v128_t w0 = ld(b), w1 = ld(b + 4), w2 = ld(b2), w3 = ld(b2 + 4);
    v128_t x0 = bcast(a), x1 = bcast(a + 1);
    s[0][0] = add(s[0][0], mul(x0, w0)); s[0][1] = add(s[0][1], mul(x0, w1));
    s[0][2] = add(s[0][2], mul(x0, w2)); s[0][3] = add(s[0][3], mul(x0, w3));
    s[1][0] = add(s[1][0], mul(x1, w0)); s[1][1] = add(s[1][1], mul(x1, w1));
    s[1][2] = add(s[1][2], mul(x1, w2)); s[1][3] = add(s[1][3], mul(x1, w3));
  }
  for (int r = 0; r < 2; r++)
    for (int v = 0; v < 4; v++) c[r][v] = s[r][v];
}

/*
 * C = A·B for `rp` rows (a multiple of 2): A in M layout with kp columns, B packed [np/8][kp][8]; C into Q layout
 * (`cq`) and, unless null, M layout (`cm`). Each tile is finished by its epilogue (`finish`: bias a vector [np], H in
 * Q layout). Column panels outside, row tiles inside, so a panel of B stays in L1 while A streams past it; 4-row
 * tiles, and a last pair of rows (a batch of two) on 2 × 16 tiles.
 */
INLINE void product_nn(int rp, int kp, int np, const f32* a, const f32* b, f32* cq, f32* cm, enum Epilogue e,
                       const f32* bias, const f32* h) {
  int r4 = rp & ~3;
  for (int j = 0; j < np; j += 8) {
    v128_t bv[2] = {splat(0.0f), splat(0.0f)};
    if (e == BIAS || e == BIAS_TANH) {
      bv[0] = ld(bias + j);
      bv[1] = ld(bias + j + 4);
    }
    const f32* bp = b + j * kp;
    const f32* h0 = h + (j >> 2) * rp * 4;
    const f32* h1 = h0 + rp * 4;
    for (int r = 0; r < r4; r += 4) {
      Tile t;
      tile_zero(&t);
      tile_nn(&t, kp, a + r * kp, bp);
      for (int q = 0; q < 4; q++) {
        t.c[q][0] = finish(t.c[q][0], e, bv[0], h0 + 4 * (r + q));
        t.c[q][1] = finish(t.c[q][1], e, bv[1], h1 + 4 * (r + q));
      }
      store_q(cq, rp, r, j, t.c, 4);
      if (cm) store_m(cm, np, r, j, t.c, 4);
    }
  }
  if (r4 == rp) return;
  /* The last two rows: panels in pairs (the second of a pair is the first again when np / 8 is odd). */
  for (int j = 0; j < np; j += 16) {
    int j2 = j + 8 < np ? j + 8 : j;
    v128_t acc[2][4];
    tile_nn_2x16(acc, kp, a + r4 * kp, b + j * kp, b + j2 * kp);
    for (int half = 0; half < 2; half++) {
      int jj = half ? j2 : j;
      if (half && j2 == j) break;
      v128_t b0 = splat(0.0f), b1 = splat(0.0f);
      if (e == BIAS || e == BIAS_TANH) {
        b0 = ld(bias + jj);
        b1 = ld(bias + jj + 4);
      }
      const f32* h0 = h + (jj >> 2) * rp * 4 + 4 * r4;
      v128_t c[2][2];
      for (int r = 0; r < 2; r++) {
        c[r][0] = finish(acc[r][2 * half], e, b0, h0 + 4 * r);
        c[r][1] = finish(acc[r][2 * half + 1], e, b1, h0 + rp * 4 + 4 * r);
      }
      store_q(cq, rp, r4, jj, c, 2);
      if (cm) store_m(cm, np, r4, jj, c, 2);
    }
  }
}

/*
 * C = Xᵀ·D summed over the first `rows` rows: X in Q layout [kp/4][rp][4], D in Q layout [np/4][rp][4], C packed
 * like the weights ([np/8][kp][8]: each tile is 32 contiguous floats). Column pairs of quads of D outside (8 KB at
 * 256 rows, in L1), quads of X inside. Returns Σ C² (double precision, tile by tile), for the gradient's norm.
 */
INLINE f64 product_tn(int rows, int rp, int kp, int np, const f32* x, const f32* d, f32* c) {
  v128_t sq = wasm_f64x2_splat(0.0);
  for (int j = 0; j < np; j += 8) {
    const f32* d0 = d + (j >> 2) * rp * 4;
    f32* out = c + j * kp;
    for (int i = 0; i < kp; i += 4, out += 32) {
      Tile t;
      tile_zero(&t);
      tile_tn(&t, rows, x + (i >> 2) * rp * 4, d0, d0 + rp * 4);
      for (int r = 0; r < 4; r++) {
        for (int h = 0; h < 2; h++) {
          v128_t v = t.c[r][h];
          st(out + 8 * r + 4 * h, v);
          v128_t lo = wasm_f64x2_promote_low_f32x4(v);
          v128_t hi = wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(v, v, 2, 3, 2, 3));
          sq = wasm_f64x2_add(sq, wasm_f64x2_add(wasm_f64x2_mul(lo, lo), wasm_f64x2_mul(hi, hi)));
        }
      }
    }
  }
  return wasm_f64x2_extract_lane(sq, 0) + wasm_f64x2_extract_lane(sq, 1);
}

/* The plain products (the rate bench:train measures the FLOP limit with). */
EXPORT(matmul)
void matmul(int rp, int kp, int np, const f32* a, const f32* b, f32* c) {
  product_nn(rp, kp, np, a, b, c, 0, PLAIN, 0, 0);
}

EXPORT(matmul_tn)
void matmul_tn(int rows, int rp, int kp, int np, const f32* x, const f32* d, f32* c) {
  product_tn(rows, rp, kp, np, x, d, c);
}

/* ---- layers ---------------------------------------------------------------------------------------------------- */

/*
 * Forward pass of one layer: Y = act(X·W + b) for `rp` rows. X in M layout with kp columns, W packed
 * [np/8][kp][8], b [np] (zero-padded). act: 0 = identity, 1 = tanh. Y into Q layout and, unless null, M layout.
 */
EXPORT(layer_forward)
void layer_forward(int rp, int kp, int np, const f32* x, const f32* w, const f32* b, int act, f32* yq, f32* ym) {
  if (act)
    product_nn(rp, kp, np, x, w, yq, ym, BIAS_TANH, b, 0);
  else
    product_nn(rp, kp, np, x, w, yq, ym, BIAS, b, 0);
}

/*
 * The gradient at a tanh layer's input: DX = (D·Wᵀ) ⊙ (1 − H²), where H = tanh(…) is that input (the previous
 * layer's output). D in M layout with np columns, WT = Wᵀ packed [kp/8][np][8], H in Q layout; DX into Q and M.
 */
EXPORT(layer_backward_input)
void layer_backward_input(int rp, int np, int kp, const f32* d, const f32* wt, const f32* h, f32* dxq, f32* dxm) {
  product_nn(rp, np, kp, d, wt, dxq, dxm, TIMES_DTANH, 0, h);
}

/*
 * Weight gradients of one layer: dW = Xᵀ·D over the first `rows` rows, packed like the weights ([np/8][kp][8]; the
 * padding gets exact zeros, as X's and D's padding is zero), and db = the column sums of D [np], right after it.
 * X and D in Q layout. Returns Σ dW² + Σ db² in double precision.
 */
EXPORT(layer_backward_weights)
f64 layer_backward_weights(int rows, int rp, int kp, int np, const f32* x, const f32* d, f32* dw) {
  f64 sq = product_tn(rows, rp, kp, np, x, d, dw);
  f32* db = dw + kp * np;
  for (int j = 0; j < np; j += 4) {
    const f32* dq = d + (j >> 2) * rp * 4;
    v128_t s = splat(0.0f);
    for (int r = 0; r < rows; r++) s = add(s, ld(dq + 4 * r));
    st(db + j, s);
    for (int c = 0; c < 4; c++) {
      f64 v = db[j + c];
      sq += v * v;
    }
  }
  return sq;
}

/* ---- layout conversions -------------------------------------------------------------------------------------- */

/*
 * Row-major [rows][cols] (leading dimension ld) → Q layout [cp/4][rp][4] and, unless null, M layout [⌈rp/4⌉][cp][4],
 * zero-padded.
 */
EXPORT(to_layouts)
void to_layouts(int rows, int cols, const f32* src, int ld_src, int rp, int cp, f32* q, f32* m) {
  for (int c = 0; c < cp; c += 4) {
    f32* out = q + c * rp;
    for (int r = 0; r < rp; r++, out += 4) {
      if (r < rows && c + 4 <= cols) {
        st(out, wasm_v128_load(src + r * ld_src + c));
      } else {
        for (int i = 0; i < 4; i++) out[i] = (r < rows && c + i < cols) ? src[r * ld_src + c + i] : 0.0f;
      }
    }
  }
  if (!m) return;
  int r4 = (rp + 3) & ~3;
  for (int r0 = 0; r0 < r4; r0 += 4) {
    f32* out = m + r0 * cp;
    int c = 0;
    /* whole 4 × 4 blocks: four row vectors in, four column vectors out */
    if (r0 + 4 <= rows)
      for (; c + 4 <= cols; c += 4, out += 16) {
        const f32* s0 = src + r0 * ld_src + c;
        v128_t col[4];
        transpose4(ld(s0), ld(s0 + ld_src), ld(s0 + 2 * ld_src), ld(s0 + 3 * ld_src), col);
        for (int q = 0; q < 4; q++) st(out + 4 * q, col[q]);
      }
    for (; c < cp; c++, out += 4)
      for (int i = 0; i < 4; i++) out[i] = (r0 + i < rows && c < cols) ? src[(r0 + i) * ld_src + c] : 0.0f;
  }
}

/* Q layout [cp/4][rp][4] → row-major [rows][cols] (leading dimension ld). */
EXPORT(from_quads)
void from_quads(int rows, int cols, int rp, const f32* src, f32* dst, int ld_dst) {
  for (int r = 0; r < rows; r++)
    for (int c = 0; c < cols; c++) dst[r * ld_dst + c] = src[(c >> 2) * rp * 4 + 4 * r + (c & 3)];
}

/*
 * One layer's parameters between the flat vector's order (kernel row-major [kr][nr], then bias [nr]) and the packed
 * order the update works in (kernel in panels [np/8][kp][8], then bias [np]; padding zero). Weights, gradients and
 * Adam's moments all use the packed order during an update, so the per-minibatch work never repacks them.
 */
EXPORT(pack_layer)
void pack_layer(int kr, int nr, int kp, int np, const f32* w, f32* out) {
  for (int j = 0; j < np; j += 8)
    for (int k = 0; k < kp; k++, out += 8) {
      if (k < kr && j + 8 <= nr) {
        st(out, wasm_v128_load(w + k * nr + j));
        st(out + 4, wasm_v128_load(w + k * nr + j + 4));
      } else {
        for (int c = 0; c < 8; c++) out[c] = (k < kr && j + c < nr) ? w[k * nr + j + c] : 0.0f;
      }
    }
  for (int j = 0; j < np; j++) out[j] = j < nr ? w[kr * nr + j] : 0.0f;
}

EXPORT(unpack_layer)
void unpack_layer(int kr, int nr, int kp, int np, const f32* packed, f32* w) {
  for (int k = 0; k < kr; k++)
    for (int n = 0; n < nr; n++) w[k * nr + n] = packed[(n >> 3) * kp * 8 + k * 8 + (n & 7)];
  for (int n = 0; n < nr; n++) w[kr * nr + n] = packed[kp * np + n];
}

/* A packed kernel [np/8][kp][8] → panels of its transpose [kp/8][np][8], for D·Wᵀ: 4 × 4 blocks in registers. */
EXPORT(transpose_packed)
void transpose_packed(int kp, int np, const f32* w, f32* out) {
  for (int i = 0; i < kp; i += 4) {
    for (int n = 0; n < np; n += 4) {
      const f32* src = w + (n >> 3) * kp * 8 + i * 8 + (n & 7);
      v128_t col[4];
      transpose4(ld(src), ld(src + 8), ld(src + 16), ld(src + 24), col);
      f32* o = out + (i >> 3) * np * 8 + n * 8 + (i & 7);
      for (int q = 0; q < 4; q++) st(o + 8 * q, col[q]);
    }
  }
}

/* ---- the policy loss ----------------------------------------------------------------------------------------- */

/* log x for normal positive x (Cephes logf: mantissa in [√½, √2), degree-8 polynomial; ~1 ulp). */
INLINE v128_t log4(v128_t x) {
  v128_t bits = x;
  v128_t e = wasm_f32x4_convert_i32x4(wasm_i32x4_sub(wasm_u32x4_shr(bits, 23), wasm_i32x4_splat(126)));
  v128_t m = wasm_v128_or(wasm_v128_and(bits, wasm_i32x4_splat(0x807fffff)), wasm_i32x4_splat(0x3f000000));
  v128_t small = wasm_f32x4_lt(m, splat(0.707106781186547524f));
  e = wasm_v128_bitselect(sub(e, splat(1.0f)), e, small);
  m = sub(wasm_v128_bitselect(add(m, m), m, small), splat(1.0f));
  v128_t z = mul(m, m);
  v128_t y = splat(7.0376836292e-2f);
  y = add(mul(y, m), splat(-1.1514610310e-1f));
  y = add(mul(y, m), splat(1.1676998740e-1f));
  y = add(mul(y, m), splat(-1.2420140846e-1f));
  y = add(mul(y, m), splat(1.4249322787e-1f));
  y = add(mul(y, m), splat(-1.6668057665e-1f));
  y = add(mul(y, m), splat(2.0000714765e-1f));
  y = add(mul(y, m), splat(-2.4999993993e-1f));
  y = add(mul(y, m), splat(3.3333331174e-1f));
  y = mul(mul(y, m), z);
  y = add(y, mul(e, splat(-2.12194440e-4f)));
  y = sub(y, mul(z, splat(0.5f)));
  return add(add(m, y), mul(e, splat(0.693359375f)));
}

/* Four mask bytes → lanes of all ones where the byte is set. */
INLINE v128_t mask4(const unsigned char* p) {
  v128_t b = wasm_u32x4_extend_low_u16x8(wasm_u16x8_extend_low_u8x16(wasm_v128_load32_zero(p)));
  return wasm_i32x4_ne(b, wasm_i32x4_splat(0));
}

INLINE f32 expf1(f32 x) { return wasm_f32x4_extract_lane(exp4(splat(x)), 0); }
INLINE f32 logf1(f32 x) { return wasm_f32x4_extract_lane(log4(splat(x)), 0); }

/*
 * The actor's PPO loss on n rows of `a` actions (SB3's clipped surrogate and masked entropy, as ppo.ts ppoLoss) and
 * its gradient with respect to the logits, each divided by the whole minibatch's size (1 / inv_total):
 * logits, masks (bytes, 1 = valid) and dlogits row-major [n][a]; actions, old log-probabilities and (normalised)
 * advantages [n]. Writes to stats (double): [0] the surrogate loss −Σ min(s1, s2), [2] the entropy, [3] the approx KL
 * Σ (r − 1 − log r), [4] the clipped count. The gradient takes the s1 branch on ties (as tfjs's minimum).
 */
EXPORT(policy_loss)
void policy_loss(int n, int a, const f32* logits, const unsigned char* masks, const int* actions, const f32* old_logp,
                 const f32* adv, f32 clip, f32 ent_coef, f32 inv_total, f32* dlogits, f64* stats) {
  f64 pg = 0, ent = 0, kl = 0, clipped = 0;
  int a4 = a & ~3;
  v128_t ninf = splat(-__builtin_inff());
  for (int i = 0; i < n; i++) {
    const f32* z = logits + i * a;
    const unsigned char* mk = masks + i * a;
    f32* dz = dlogits + i * a;
    /* max over the valid logits */
    v128_t vmax = ninf;
    for (int j = 0; j < a4; j += 4) {
      v128_t valid = mask4(mk + j);
      vmax = wasm_f32x4_max(vmax, wasm_v128_bitselect(ld(z + j), ninf, valid));
    }
    vmax = wasm_f32x4_max(vmax, wasm_i32x4_shuffle(vmax, vmax, 2, 3, 0, 1));
    vmax = wasm_f32x4_max(vmax, wasm_i32x4_shuffle(vmax, vmax, 1, 0, 3, 2));
    f32 max = wasm_f32x4_extract_lane(vmax, 0);
    for (int j = a4; j < a; j++)
      if (mk[j] && z[j] > max) max = z[j];
    /* e = exp(z − max) on valid logits (kept in dlogits for now), their sum */
    v128_t vsum = splat(0.0f), vmx = splat(max);
    for (int j = 0; j < a4; j += 4) {
      v128_t valid = mask4(mk + j);
      v128_t e = wasm_v128_and(exp4(sub(ld(z + j), vmx)), valid);
      st(dz + j, e);
      vsum = add(vsum, e);
    }
    f32 sum = wasm_f32x4_extract_lane(vsum, 0) + wasm_f32x4_extract_lane(vsum, 1) + wasm_f32x4_extract_lane(vsum, 2) +
              wasm_f32x4_extract_lane(vsum, 3);
    for (int j = a4; j < a; j++) {
      f32 e = mk[j] ? expf1(z[j] - max) : 0.0f;
      dz[j] = e;
      sum += e;
    }
    f32 lse = max + logf1(sum);
    /* p = e / Σe, entropy −Σ p log p */
    f32 inv_sum = 1.0f / sum;
    v128_t vinv = splat(inv_sum), vlse = splat(lse), vent = splat(0.0f);
    for (int j = 0; j < a4; j += 4) {
      v128_t p = mul(ld(dz + j), vinv);
      st(dz + j, p);
      vent = sub(vent, mul(p, sub(ld(z + j), vlse)));
    }
    f32 entropy = wasm_f32x4_extract_lane(vent, 0) + wasm_f32x4_extract_lane(vent, 1) +
                  wasm_f32x4_extract_lane(vent, 2) + wasm_f32x4_extract_lane(vent, 3);
    for (int j = a4; j < a; j++) {
      f32 p = dz[j] * inv_sum;
      dz[j] = p;
      entropy -= p * (z[j] - lse);
    }
    /* the clipped surrogate of the taken action */
    int act = actions[i];
    f32 log_ratio = z[act] - lse - old_logp[i];
    f32 ratio = expf1(log_ratio);
    f32 ad = adv[i];
    f32 s1 = ad * ratio;
    f32 rc = ratio < 1 - clip ? 1 - clip : ratio > 1 + clip ? 1 + clip : ratio;
    f32 s2 = ad * rc;
    pg -= s1 < s2 ? s1 : s2;
    ent += entropy;
    kl += (f64)ratio - 1 - (f64)log_ratio;
    if (__builtin_fabsf(ratio - 1) > clip) clipped += 1;
    /* d/dz_j: −min(s1, s2) through log p_a (flat when clipped), and the entropy loss −H: −p_j (log p_j + H) */
    f32 g = s1 <= s2 ? -ad * ratio * inv_total : 0.0f;
    f32 es = ent_coef * inv_total;
    v128_t vg = splat(g), ves = splat(es), vh = splat(entropy - lse);
    for (int j = 0; j < a4; j += 4) {
      v128_t valid = mask4(mk + j);
      v128_t p = ld(dz + j);
      v128_t d = add(mul(vg, sub(splat(0.0f), p)), mul(mul(ves, p), add(ld(z + j), vh)));
      st(dz + j, wasm_v128_and(d, valid));
    }
    for (int j = a4; j < a; j++) {
      f32 p = dz[j];
      dz[j] = mk[j] ? g * -p + es * p * (z[j] + (entropy - lse)) : 0.0f;
    }
    if (mk[act]) dz[act] += g;
  }
  stats[0] = pg;
  stats[2] = ent;
  stats[3] = kl;
  stats[4] = clipped;
}

/* ---- optimiser ----------------------------------------------------------------------------------------------- */

/* Σ g² over [0, n) in double precision (two interleaved partial sums, added at the end). */
EXPORT(sum_of_squares)
f64 sum_of_squares(const f32* g, int n) {
  v128_t s = wasm_f64x2_splat(0.0);
  int i = 0;
  for (; i + 2 <= n; i += 2) {
    v128_t x = wasm_f64x2_promote_low_f32x4(wasm_v128_load64_zero(g + i));
    s = wasm_f64x2_add(s, wasm_f64x2_mul(x, x));
  }
  f64 t = wasm_f64x2_extract_lane(s, 0) + wasm_f64x2_extract_lane(s, 1);
  for (; i < n; i++) t += (f64)g[i] * (f64)g[i];
  return t;
}

/* out[i] = Σ_s src[s·stride + i] in shard order, for i in [0, n); returns Σ out² (as sum_of_squares). */
EXPORT(sum_shards)
f64 sum_shards(f32* out, const f32* src, int stride, int shards, int n) {
  for (int i = 0; i < n; i += 4) {
    if (i + 4 <= n) {
      v128_t s = ld(src + i);
      for (int k = 1; k < shards; k++) s = add(s, ld(src + k * stride + i));
      st(out + i, s);
    } else {
      for (int q = i; q < n; q++) {
        f32 s = src[q];
        for (int k = 1; k < shards; k++) s += src[k * stride + q];
        out[q] = s;
      }
    }
  }
  return sum_of_squares(out, n);
}

/* The Adam step's float32 constants, splatted once per call. */
typedef struct {
  v128_t coef, b1, b2, w1, w2, step, bc, eps;
} AdamConsts;

/* One Adam step of four parameters at p (m, v, g beside them); returns the new p. */
INLINE v128_t adam4(f32* p, f32* m, f32* v, const f32* g, const AdamConsts* c) {
  v128_t gi = mul(ld(g), c->coef);
  v128_t mi = add(mul(ld(m), c->b1), mul(gi, c->w1));
  v128_t vi = add(mul(ld(v), c->b2), mul(mul(gi, gi), c->w2));
  v128_t denom = add(wasm_f32x4_div(wasm_f32x4_sqrt(vi), c->bc), c->eps);
  st(m, mi);
  st(v, vi);
  v128_t pi = sub(ld(p), mul(wasm_f32x4_div(mi, denom), c->step));
  st(p, pi);
  return pi;
}

INLINE AdamConsts adam_consts(f32 coef, f32 beta1, f32 beta2, f32 w1, f32 w2, f32 step_size, f32 bc2_sqrt, f32 eps) {
  AdamConsts c = {splat(coef), splat(beta1), splat(beta2), splat(w1), splat(w2), splat(step_size), splat(bc2_sqrt),
                  splat(eps)};
  return c;
}

/*
 * One Adam step over n parameters in float32, clip included, with the formula and order of the one-environment
 * optimiser (core/rl/adam.ts, PyTorch's Adam): g ← g·coef; m ← m·β1 + g·(1 − β1); v ← v·β2 + g²·(1 − β2);
 * p ← p − m / (√v / √bc2 + ε) · lr / bc1, where bc1 = 1 − β1^t, bc2 = 1 − β2^t (step_size = lr / bc1 and √bc2 come
 * from the caller).
 */
EXPORT(adam_step)
void adam_step(f32* p, f32* m, f32* v, const f32* g, int n, f32 coef, f32 beta1, f32 beta2, f32 w1, f32 w2,
               f32 step_size, f32 bc2_sqrt, f32 eps) {
  AdamConsts c = adam_consts(coef, beta1, beta2, w1, w2, step_size, bc2_sqrt, eps);
  int i = 0;
  for (; i + 4 <= n; i += 4) adam4(p + i, m + i, v + i, g + i, &c);
  for (; i < n; i++) {
    f32 gi = g[i] * coef;
    f32 mi = m[i] * beta1 + gi * w1;
    f32 vi = v[i] * beta2 + gi * gi * w2;
    f32 denom = __builtin_sqrtf(vi) / bc2_sqrt + eps;
    m[i] = mi;
    v[i] = vi;
    p[i] = p[i] - mi / denom * step_size;
  }
}

/*
 * adam_step over a packed layer kernel ([np/8][kp][8], kp and np multiples of 8) that also writes its transpose in
 * transpose_packed's layout ([kp/8][np][8]) from the stepped values while they are in registers: the backward pass
 * needs Wᵀ after every step, and this saves a separate pass over the weights. The same p, m and v as adam_step.
 */
EXPORT(adam_step_transposed)
void adam_step_transposed(f32* p, f32* m, f32* v, const f32* g, int kp, int np, f32* wt, f32 coef, f32 beta1,
                          f32 beta2, f32 w1, f32 w2, f32 step_size, f32 bc2_sqrt, f32 eps) {
  AdamConsts c = adam_consts(coef, beta1, beta2, w1, w2, step_size, bc2_sqrt, eps);
  for (int j = 0; j < np; j += 8) {
    int base = j * kp;
    for (int i = 0; i < kp; i += 4) {
      /* rows i..i+3 of panel j: 32 contiguous floats, two 4 × 4 blocks (columns j..j+3 and j+4..j+7) */
      v128_t r[4][2];
      for (int q = 0; q < 4; q++)
        for (int h = 0; h < 2; h++) {
          int o = base + (i + q) * 8 + 4 * h;
          r[q][h] = adam4(p + o, m + o, v + o, g + o, &c);
        }
      for (int h = 0; h < 2; h++) {
        v128_t col[4];
        transpose4(r[0][h], r[1][h], r[2][h], r[3][h], col);
        f32* out = wt + (i >> 3) * np * 8 + (j + 4 * h) * 8 + (i & 7);
        for (int q = 0; q < 4; q++) st(out + 8 * q, col[q]);
      }
    }
  }
}
