#!/usr/bin/env bash
# The MT19937 kernel's build (the twist and CPython's gauss on its stream), under the name its committed core/random/kernels/mt19937-wasm.ts names: it is
# `scripts/build-kernels.sh mt19937`.
#   scripts/build-random-kernel.sh [OUT.ts]   (default: core/random/kernels/mt19937-wasm.ts)
exec "$(dirname "$0")/build-kernels.sh" mt19937 "$@"
