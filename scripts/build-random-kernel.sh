#!/usr/bin/env bash
# Builds core/random/kernels/mt19937.c into core/random/kernels/mt19937-wasm.ts, the committed MT19937 twist kernel
# (how: scripts/lib/wasm-kernel.sh, whose header says how the rebuild is checked).
#   scripts/build-random-kernel.sh [OUT.ts]   (default: core/random/kernels/mt19937-wasm.ts)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/wasm-kernel.sh
# One 64 KiB page per generator (its own memory: the state and the tempered block, 5 KiB), a tiny stack (the code
# uses none). Integer code only, so the output is the same on every machine.
wasm_kernel scripts/build-random-kernel.sh core/random/kernels/mt19937.c "${1:-core/random/kernels/mt19937-wasm.ts}" \
  MT_KERNEL -msimd128 \
  -Wl,-z,stack-size=1024 -Wl,--initial-memory=65536 -Wl,--max-memory=65536 \
  -Wl,--export=twist -Wl,--export=state_ptr -Wl,--export=tempered_ptr
