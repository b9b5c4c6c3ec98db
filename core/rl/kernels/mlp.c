/*
 * Float32 kernels of the multi-environment PPO update (core/rl/mlp-kernels.ts), compiled to WebAssembly with
 * SIMD128 by scripts/build-kernels.sh. One call does a whole layer: the matrix product with its bias, tanh or tanh'
 * fused into the tile's epilogue, so every activation is written once and read once per pass.
 *
 * Layouts. Activations and gradients are "panel-major": a matrix of R rows and C columns (R padded to a multiple of
 * 2, C to a multiple of 8) is stored as C/8 panels of [R][8] floats, so a 4-row tile of eight columns is 128
 * contiguous bytes and a column block is one contiguous stream. Weights are repacked after every Adam step into
 * panels of [K][8] (for x·W) and of Wᵀ (for the input gradient), zero-padded. With these layouts every product of
 * the update reads both operands sequentially, including dW = Hᵀ·D (no transposed copy is ever made).
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
 * Rows r0..r0+3 of A (panel-major, `rp` padded rows, `kp` columns, a multiple of 8) times one packed panel of B
 * ([kp][8]): `a` points at A's row r0 in its first panel, `b` at the panel.
 */
INLINE void tile_nn(Tile* t, int kp, int rp, const f32* a, const f32* b) {
  Tile s = *t;
  for (int k0 = 0; k0 < kp; k0 += 8, a += 8 * rp) {
    for (int kk = 0; kk < 8; kk++, b += 8) {
      v128_t b0 = ld(b), b1 = ld(b + 4);
      STEP(s, bcast(a + kk), bcast(a + 8 + kk), bcast(a + 16 + kk), bcast(a + 24 + kk), b0, b1);
    }
  }
  *t = s;
}

/*
 * Columns i0..i0+3 of H (panel-major) against one panel of D (panel-major), summed over the first `rows` rows:
 * (Hᵀ·D)[i0 + r][j]. `h` points at H's panel of column i0, lane i0 mod 8; `d` at D's panel.
 */
INLINE void tile_tn(Tile* t, int rows, const f32* h, const f32* d) {
  Tile s = *t;
  for (int r = 0; r < rows; r++, h += 8, d += 8) {
    v128_t b0 = ld(d), b1 = ld(d + 4);
    STEP(s, bcast(h), bcast(h + 1), bcast(h + 2), bcast(h + 3), b0, b1);
  }
  *t = s;
}

/* ---- tanh ---------------------------------------------------------------------------------------------------- */

/* e^x for x in [-88, 88] (Cephes expf: range reduction by ln 2 in two parts, degree-5 polynomial; ~1 ulp). */
INLINE v128_t exp4(v128_t x) {
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
 * tanh (Cephes tanhf): an odd polynomial below |x| = 0.625, 1 − 2 / (e^{2|x|} + 1) above, with the sign of x; |x|
 * is capped at 9.1, past which tanh rounds to 1. Within 1 ulp of the correctly rounded value.
 */
INLINE v128_t tanh4(v128_t x) {
  v128_t ax = wasm_f32x4_min(wasm_f32x4_abs(x), splat(9.1f));
  v128_t z = mul(ax, ax);
  v128_t p = splat(-5.70498872745e-3f);
  p = add(mul(p, z), splat(2.06390887954e-2f));
  p = add(mul(p, z), splat(-5.37397155531e-2f));
  p = add(mul(p, z), splat(1.33314422036e-1f));
  p = add(mul(p, z), splat(-3.33332819422e-1f));
  v128_t small = add(mul(mul(p, z), ax), ax);
  v128_t e = exp4(add(ax, ax));
  v128_t large = sub(splat(1.0f), wasm_f32x4_div(splat(2.0f), add(e, splat(1.0f))));
  v128_t t = wasm_v128_bitselect(small, large, wasm_f32x4_lt(ax, splat(0.625f)));
  /* copy the sign of x (tanh(-0) = -0) */
  return wasm_v128_or(t, wasm_v128_and(x, wasm_i32x4_splat((int)0x80000000)));
}

EXPORT(tanh_inplace) void tanh_inplace(f32* x, int n) {
  for (int i = 0; i < n; i += 4) st(x + i, tanh4(ld(x + i)));
}

/* ---- stores ---------------------------------------------------------------------------------------------------- */

INLINE void store_panel(f32* out, const Tile* t) {
  for (int r = 0; r < 4; r++) {
    st(out + 8 * r, t->c[r][0]);
    st(out + 8 * r + 4, t->c[r][1]);
  }
}

/* Row-major store of the tile's first `rows` rows and `cols` columns (edges of a matrix with real dimensions). */
INLINE void store_rows(f32* out, int ld_out, int rows, int cols, const Tile* t) {
  if (rows >= 4 && cols >= 8) {
    for (int r = 0; r < 4; r++) {
      st(out + r * ld_out, t->c[r][0]);
      st(out + r * ld_out + 4, t->c[r][1]);
    }
    return;
  }
  f32 tmp[32] __attribute__((aligned(16)));
  store_panel(tmp, t);
  for (int r = 0; r < rows && r < 4; r++)
    for (int c = 0; c < cols && c < 8; c++) out[r * ld_out + c] = tmp[8 * r + c];
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

/*
 * Two rows of A times two packed panels of B (16 columns): the tile for batches of two (the collection's forward
 * pass with two environments), where a 4-row tile would spend half its work on padding.
 */
INLINE void tile_nn_2x16(v128_t c[2][4], int kp, int rp, const f32* a, const f32* b, const f32* b2) {
  v128_t s[2][4];
  for (int r = 0; r < 2; r++)
    for (int v = 0; v < 4; v++) s[r][v] = splat(0.0f);
  for (int k0 = 0; k0 < kp; k0 += 8, a += 8 * rp) {
    for (int kk = 0; kk < 8; kk++, b += 8, b2 += 8) {
      v128_t w0 = ld(b), w1 = ld(b + 4), w2 = ld(b2), w3 = ld(b2 + 4);
      v128_t x0 = bcast(a + kk), x1 = bcast(a + 8 + kk);
      s[0][0] = add(s[0][0], mul(x0, w0)); s[0][1] = add(s[0][1], mul(x0, w1));
      s[0][2] = add(s[0][2], mul(x0, w2)); s[0][3] = add(s[0][3], mul(x0, w3));
      s[1][0] = add(s[1][0], mul(x1, w0)); s[1][1] = add(s[1][1], mul(x1, w1));
      s[1][2] = add(s[1][2], mul(x1, w2)); s[1][3] = add(s[1][3], mul(x1, w3));
    }
  }
  for (int r = 0; r < 2; r++)
    for (int v = 0; v < 4; v++) c[r][v] = s[r][v];
}

/*
 * C = A·B for `rp` rows (a multiple of 2): A panel-major [rp][kp], B packed [np/8][kp][8], C panel-major [rp][np],
 * each tile finished by its epilogue (`finish`; bias is a vector [np], H panel-major [rp][np]). Column panels
 * outside, row tiles inside, so a panel of B stays in L1 while A streams past it; 4-row tiles, and a last pair of
 * rows (a batch of two) on 2 × 16 tiles.
 */
INLINE void product_nn(int rp, int kp, int np, const f32* a, const f32* b, f32* c, enum Epilogue e,
                       const f32* bias, const f32* h) {
  int r4 = rp & ~3;
  for (int j = 0; j < np; j += 8) {
    v128_t b0 = splat(0.0f), b1 = splat(0.0f);
    if (e == BIAS || e == BIAS_TANH) {
      b0 = ld(bias + j);
      b1 = ld(bias + j + 4);
    }
    const f32* bp = b + j * kp;
    for (int r = 0; r < r4; r += 4) {
      Tile t;
      tile_zero(&t);
      tile_nn(&t, kp, rp, a + 8 * r, bp);
      const f32* hp = h + j * rp + 8 * r;
      for (int q = 0; q < 4; q++) {
        t.c[q][0] = finish(t.c[q][0], e, b0, hp + 8 * q);
        t.c[q][1] = finish(t.c[q][1], e, b1, hp + 8 * q + 4);
      }
      store_panel(c + j * rp + 8 * r, &t);
    }
  }
  if (r4 == rp) return;
  /* The last two rows: panels in pairs (the second of a pair is the first again when np / 8 is odd). */
  for (int j = 0; j < np; j += 16) {
    int j2 = j + 8 < np ? j + 8 : j;
    v128_t acc[2][4];
    tile_nn_2x16(acc, kp, rp, a + 8 * r4, b + j * kp, b + j2 * kp);
    for (int half = 0; half < 2; half++) {
      int jj = half ? j2 : j;
      if (half && j2 == j) break;
      v128_t b0 = splat(0.0f), b1 = splat(0.0f);
      if (e == BIAS || e == BIAS_TANH) {
        b0 = ld(bias + jj);
        b1 = ld(bias + jj + 4);
      }
      for (int r = 0; r < 2; r++) {
        const f32* hp = h + jj * rp + 8 * (r4 + r);
        f32* out = c + jj * rp + 8 * (r4 + r);
        st(out, finish(acc[r][2 * half], e, b0, hp));
        st(out + 4, finish(acc[r][2 * half + 1], e, b1, hp + 4));
      }
    }
  }
}

/*
 * C = Xᵀ·D summed over the first `rows` rows: X panel-major [rp][kp], D panel-major [rp][np], C row-major [kr][nr]
 * (the real dimensions: edge tiles are cut).
 */
INLINE void product_tn(int rows, int rp, int kp, int np, int kr, int nr, const f32* x, const f32* d, f32* c) {
  for (int j = 0; j < np && j < nr; j += 8) {
    const f32* dp = d + j * rp;
    for (int i = 0; i < kp && i < kr; i += 4) {
      Tile t;
      tile_zero(&t);
      tile_tn(&t, rows, x + (i & ~7) * rp + (i & 7), dp);
      store_rows(c + i * nr + j, nr, kr - i, nr - j, &t);
    }
  }
}

/* The plain products (the rate bench:train measures the FLOP limit with). */
EXPORT(matmul)
void matmul(int rp, int kp, int np, const f32* a, const f32* b, f32* c) {
  product_nn(rp, kp, np, a, b, c, PLAIN, 0, 0);
}

EXPORT(matmul_tn)
void matmul_tn(int rows, int rp, int kp, int np, const f32* x, const f32* d, f32* c) {
  product_tn(rows, rp, kp, np, kp, np, x, d, c);
}

/* ---- layers ---------------------------------------------------------------------------------------------------- */

/*
 * Forward pass of one layer: Y = act(X·W + b) for `rp` rows. X panel-major [rp][kp], W packed [np/8][kp][8], b [np]
 * (zero-padded). act: 0 = identity, 1 = tanh. Y panel-major [rp][np].
 */
EXPORT(layer_forward)
void layer_forward(int rp, int kp, int np, const f32* x, const f32* w, const f32* b, int act, f32* y) {
  if (act)
    product_nn(rp, kp, np, x, w, y, BIAS_TANH, b, 0);
  else
    product_nn(rp, kp, np, x, w, y, BIAS, b, 0);
}

/*
 * The gradient at a tanh layer's input: DX = (D·Wᵀ) ⊙ (1 − H²), where H = tanh(…) is that input (the previous
 * layer's output). D panel-major [rp][np], WT = Wᵀ packed [kp/8][np][8], H and DX panel-major [rp][kp].
 */
EXPORT(layer_backward_input)
void layer_backward_input(int rp, int np, int kp, const f32* d, const f32* wt, const f32* h, f32* dx) {
  product_nn(rp, np, kp, d, wt, dx, TIMES_DTANH, 0, h);
}

/*
 * Weight gradients of one layer: dW = Xᵀ·D over the first `rows` rows, written row-major [kr][nr] (the real
 * dimensions, as the flat parameter vector holds them), and db = the column sums of D [nr]. X panel-major
 * [rp][kp], D panel-major [rp][np].
 */
EXPORT(layer_backward_weights)
void layer_backward_weights(int rows, int rp, int kp, int np, int kr, int nr, const f32* x, const f32* d, f32* dw,
                            f32* db) {
  product_tn(rows, rp, kp, np, kr, nr, x, d, dw);
  for (int j = 0; j < np && j < nr; j += 8) {
    const f32* dp = d + j * rp;
    v128_t s0 = splat(0.0f), s1 = splat(0.0f);
    for (int r = 0; r < rows; r++) {
      s0 = add(s0, ld(dp + 8 * r));
      s1 = add(s1, ld(dp + 8 * r + 4));
    }
    f32 tmp[8] __attribute__((aligned(16)));
    st(tmp, s0);
    st(tmp + 4, s1);
    for (int c = 0; c < 8 && j + c < nr; c++) db[j + c] = tmp[c];
  }
}

/* ---- layout conversions -------------------------------------------------------------------------------------- */

/* Row-major [rows][cols] (leading dimension ld) → panel-major [rp][cp], zero-padded. */
EXPORT(to_panels)
void to_panels(int rows, int cols, const f32* src, int ld_src, int rp, int cp, f32* dst) {
  for (int j = 0; j < cp; j += 8) {
    f32* out = dst + j * rp;
    for (int r = 0; r < rp; r++, out += 8) {
      if (r < rows && j + 8 <= cols) {
        st(out, wasm_v128_load(src + r * ld_src + j));
        st(out + 4, wasm_v128_load(src + r * ld_src + j + 4));
      } else {
        for (int c = 0; c < 8; c++) out[c] = (r < rows && j + c < cols) ? src[r * ld_src + j + c] : 0.0f;
      }
    }
  }
}

/* Panel-major [rp][cp] → row-major [rows][cols] (leading dimension ld). */
EXPORT(from_panels)
void from_panels(int rows, int cols, int rp, const f32* src, f32* dst, int ld_dst) {
  for (int r = 0; r < rows; r++)
    for (int c = 0; c < cols; c++) dst[r * ld_dst + c] = src[(c & ~7) * rp + 8 * r + (c & 7)];
}

/* W row-major [kr][nr] → panels [np/8][kp][8] for x·W, zero-padded. */
EXPORT(pack_weights)
void pack_weights(int kr, int nr, int kp, int np, const f32* w, f32* out) {
  for (int j = 0; j < np; j += 8)
    for (int k = 0; k < kp; k++, out += 8) {
      if (k < kr && j + 8 <= nr) {
        st(out, wasm_v128_load(w + k * nr + j));
        st(out + 4, wasm_v128_load(w + k * nr + j + 4));
      } else {
        for (int c = 0; c < 8; c++) out[c] = (k < kr && j + c < nr) ? w[k * nr + j + c] : 0.0f;
      }
    }
}

/* W row-major [kr][nr] → panels of Wᵀ [kp/8][np][8] for D·Wᵀ, zero-padded. */
EXPORT(pack_weights_transposed)
void pack_weights_transposed(int kr, int nr, int kp, int np, const f32* w, f32* out) {
  for (int i = 0; i < kp; i += 8)
    for (int n = 0; n < np; n++, out += 8)
      for (int c = 0; c < 8; c++) out[c] = (i + c < kr && n < nr) ? w[(i + c) * nr + n] : 0.0f;
}

/* Bias [nr] → [np], zero-padded. */
EXPORT(pad_vector)
void pad_vector(int nr, int np, const f32* src, f32* dst) {
  for (int j = 0; j < np; j++) dst[j] = j < nr ? src[j] : 0.0f;
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

/*
 * One Adam step over n parameters in float32, clip included, with the formula and order of the one-environment
 * optimiser (core/rl/adam.ts, PyTorch's Adam): g ← g·coef; m ← m·β1 + g·(1 − β1); v ← v·β2 + g²·(1 − β2);
 * p ← p − m / (√v / √bc2 + ε) · lr / bc1, where bc1 = 1 − β1^t, bc2 = 1 − β2^t (step_size = lr / bc1 and √bc2 come
 * from the caller).
 */
EXPORT(adam_step)
void adam_step(f32* p, f32* m, f32* v, const f32* g, int n, f32 coef, f32 beta1, f32 beta2, f32 w1, f32 w2,
               f32 step_size, f32 bc2_sqrt, f32 eps) {
  v128_t vcoef = splat(coef), vb1 = splat(beta1), vb2 = splat(beta2), vw1 = splat(w1), vw2 = splat(w2),
         vstep = splat(step_size), vbc = splat(bc2_sqrt), veps = splat(eps);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t gi = mul(ld(g + i), vcoef);
    v128_t mi = add(mul(ld(m + i), vb1), mul(gi, vw1));
    v128_t vi = add(mul(ld(v + i), vb2), mul(mul(gi, gi), vw2));
    v128_t denom = add(wasm_f32x4_div(wasm_f32x4_sqrt(vi), vbc), veps);
    st(m + i, mi);
    st(v + i, vi);
    st(p + i, sub(ld(p + i), mul(wasm_f32x4_div(mi, denom), vstep)));
  }
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
