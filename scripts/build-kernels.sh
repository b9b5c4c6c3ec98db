#!/usr/bin/env bash
# Builds core/rl/kernels/mlp.c into core/rl/kernels/mlp-wasm.ts, the committed training kernels (how: scripts/lib/
# wasm-kernel.sh, whose header says how the rebuild is checked).
#   scripts/build-kernels.sh [OUT.ts]   (default: core/rl/kernels/mlp-wasm.ts)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/wasm-kernel.sh
# Shared, imported memory: every worker thread instantiates the module on the one memory that holds the weights,
# gradients and Adam moments (each instance gets its own stack, set through the exported __stack_pointer). No FMA or
# relaxed SIMD, so results are the same on every machine.
wasm_kernel scripts/build-kernels.sh core/rl/kernels/mlp.c "${1:-core/rl/kernels/mlp-wasm.ts}" MLP_KERNELS \
  -msimd128 -mbulk-memory -matomics -mmutable-globals \
  -Wl,--import-memory -Wl,--shared-memory -Wl,--max-memory=2147483648 -Wl,--export=__stack_pointer
