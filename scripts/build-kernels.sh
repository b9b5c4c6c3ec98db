#!/usr/bin/env bash
# Builds the committed WebAssembly kernels: each C source below into the TypeScript module beside it (X.c →
# X-wasm.ts), so nothing needs a C toolchain at run time. How, and how the rebuild is checked byte for byte:
# scripts/lib/wasm-kernel.sh.
#   scripts/build-kernels.sh                 every kernel, into the committed files
#   scripts/build-kernels.sh NAME [OUT.ts]   one kernel (default OUT: its committed file)
#   scripts/build-kernels.sh --list          one line per kernel: name, sources, constants' prefix, built file
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/wasm-kernel.sh

# One line per kernel: `kernel NAME SOURCE.c[,MORE.c...] CONST_PREFIX [--entry SCRIPT] CLANG_ARGS...` — one module
# of all its sources, built beside the first as <first>-wasm.ts (--entry: the script its committed file's header
# names, where that is not this one).
kernels() {
  # Training: shared, imported memory — every worker thread instantiates the module on the one memory that holds the
  # weights, gradients and Adam moments (each instance gets its own stack, set through the exported
  # __stack_pointer). No FMA or relaxed SIMD, so results are the same on every machine.
  kernel mlp core/rl/kernels/mlp.c MLP_KERNELS -msimd128 -mbulk-memory -matomics -mmutable-globals \
    -Wl,--import-memory -Wl,--shared-memory -Wl,--max-memory=2147483648 -Wl,--export=__stack_pointer
  # MT19937 twist, CPython's gauss on its stream (normal.c) and the workload's arrival gaps (arrivals.c): one 64 KiB
  # page per generator (its own memory: the state, the tempered block, the log tables and a run of draws, 45 KiB), a
  # tiny stack (the code uses none).
  # -ffp-contract=off: every double operation is rounded on its own, as in the JavaScript it must equal bit for bit
  # (WebAssembly MVP has no fused multiply-add anyway), so the output is the same on every machine.
  kernel mt19937 core/random/kernels/mt19937.c,core/random/kernels/normal.c,core/random/kernels/arrivals.c MT_KERNEL --entry scripts/build-random-kernel.sh \
    -msimd128 -ffp-contract=off \
    -Wl,-z,stack-size=1024 -Wl,--initial-memory=65536 -Wl,--max-memory=65536 \
    -Wl,--export=twist -Wl,--export=state_ptr -Wl,--export=tempered_ptr \
    -Wl,--export=init -Wl,--export=gauss_pair -Wl,--export=gauss_run -Wl,--export=run_capacity \
    -Wl,--export=mti_ptr -Wl,--export=has_next_ptr -Wl,--export=pair_ptr -Wl,--export=run_clock_ptr \
    -Wl,--export=run_draws_ptr -Wl,--export=log_tab_ptr -Wl,--export=log_a_ptr -Wl,--export=log_b_ptr \
    -Wl,--export=log_ln2_ptr -Wl,--export=cos_sin_of -Wl,--export=cos_sin_pair_of -Wl,--export=log_of \
    -Wl,--export=arrival_run -Wl,--export=arrival_rate_sum_ptr -Wl,--export=arrival_rate_draws_ptr \
    -Wl,--export=run_params_ptr
}

mode=${1:-all}
found=
kernel() {
  local name=$1 src=$2 prefix=$3 entry=scripts/build-kernels.sh
  shift 3
  if [ "${1:-}" = --entry ]; then
    entry=$2
    shift 2
  fi
  local built=${src%%,*}
  built=${built%.c}-wasm.ts
  case $mode in
    --list) printf '%s\t%s\t%s\t%s\n' "$name" "$src" "$prefix" "$built" ;;
    all) wasm_kernel "$entry" "$src" "$built" "$prefix" "$@" ;;
    "$name")
      found=1
      wasm_kernel "$entry" "$src" "${OUT:-$built}" "$prefix" "$@"
      ;;
  esac
}
OUT=${2:-}
kernels
if [ "$mode" != all ] && [ "$mode" != --list ] && [ -z "$found" ]; then
  echo "build-kernels: no kernel named $mode — names: $(mode=--list kernels | cut -f1 | paste -sd' ')" >&2
  exit 2
fi
