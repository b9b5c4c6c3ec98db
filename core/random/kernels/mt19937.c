/*
 * MT19937's block regeneration ("twist") and output tempering, as CPython's _randommodule.c runs them, for
 * core/random/mt19937.ts: the JavaScript side seeds `state` and reads `tempered` through views of this module's
 * memory and calls `twist` once per 624 draws. In WebAssembly the block costs about a ninth of the same loop in
 * JavaScript (where it was 6 % of a simulator trial). Built by scripts/build-random-kernel.sh.
 */
#include <stdint.h>

#define N 624
#define M 397
#define MATRIX_A 0x9908b0dfu
#define UPPER_MASK 0x80000000u
#define LOWER_MASK 0x7fffffffu

/* The 624 state words, and the tempered output of each after a twist (what the next 624 draws return). */
uint32_t state[N];
uint32_t tempered[N];

uint32_t *state_ptr(void) { return state; }
uint32_t *tempered_ptr(void) { return tempered; }

static inline uint32_t temper(uint32_t y) {
  y ^= y >> 11;
  y ^= (y << 7) & 0x9d2c5680u;
  y ^= (y << 15) & 0xefc60000u;
  y ^= y >> 18;
  return y;
}

static inline uint32_t next_word(uint32_t cur, uint32_t next, uint32_t far) {
  uint32_t y = (cur & UPPER_MASK) | (next & LOWER_MASK);
  return far ^ (y >> 1) ^ ((0u - (y & 1u)) & MATRIX_A);
}

/* Regenerates the state (genrand_uint32's refill) and tempers every new word. */
void twist(void) {
  int kk = 0;
  for (; kk < N - M; kk++) {
    uint32_t v = next_word(state[kk], state[kk + 1], state[kk + M]);
    state[kk] = v;
    tempered[kk] = temper(v);
  }
  for (; kk < N - 1; kk++) {
    uint32_t v = next_word(state[kk], state[kk + 1], state[kk + (M - N)]);
    state[kk] = v;
    tempered[kk] = temper(v);
  }
  uint32_t v = next_word(state[N - 1], state[0], state[M - 1]);
  state[N - 1] = v;
  tempered[N - 1] = temper(v);
}
