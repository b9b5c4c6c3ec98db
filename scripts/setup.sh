#!/usr/bin/env bash
# One-time set-up on a fresh machine, shared by the README's two commands and CI. Idempotent: on a machine that has
# everything it only checks. Installs what migflow needs beside Node:
#   - a Docker engine (profiling and deployment run the vLLM emulator / vLLM in containers),
#   - Chromium (the browser tests drive the Web UI and the dashboard with it),
#   - npm dependencies (npm ci), and the emulators' bundles (emulators/.build, from their TypeScript),
#   - PostgreSQL (Debian's; scripts/prod-stack.sh runs the production-style Temporal stack on it),
#   - clang + lld (the test that every committed WebAssembly kernel — the training kernels, the MT19937 twist —
#     rebuilds from its C source: scripts/lib/wasm-kernel.sh, test/unit/tools/wasm-kernels-build.test.ts),
#   - the Go-built tools, once, into ~/.cache/migflow (found on PATH first where that applies): the Temporal CLI,
#     SeaweedFS (the store tests' S3 server), and the Temporal server, its schema tool and the Web UI server.
# System packages are installed with apt-get when run as root on Debian/Ubuntu; otherwise it says what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

say() { echo "setup: $*"; }

missing=()
# A docker client alone is not enough (some images ship only the CLI): without an engine that answers, the daemon
# itself (dockerd, from docker.io) is needed.
docker info >/dev/null 2>&1 || command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing+=(chromium)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
# clang + lld (wasm-ld) rebuild the committed WebAssembly kernels (core/**/kernels/*.c); a test checks each build.
command -v clang >/dev/null 2>&1 || missing+=(clang)
command -v wasm-ld >/dev/null 2>&1 || missing+=(lld)
# ip (iproute2) gives the multi-host drill's hosts their own network namespaces.
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing ${missing[*]} (apt-get)"
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    say "missing system packages: ${missing[*]} — install them (e.g. sudo apt-get install ${missing[*]}) and run this again"
    exit 1
  fi
fi

if ! docker info >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v dockerd >/dev/null 2>&1; then
    say "starting dockerd (vfs storage, host networking only; log: /tmp/migflow-dockerd.log)"
    # Machines without a bridge or iptables: containers use host networking, which is all migflow needs.
    (dockerd --storage-driver=vfs --iptables=false --bridge=none >/tmp/migflow-dockerd.log 2>&1 &)
    for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  fi
  docker info >/dev/null 2>&1 || {
    say "no Docker engine answers — start it (sudo systemctl start docker) or check /tmp/migflow-dockerd.log"
    exit 1
  }
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "npm ci"
  npm ci --no-audit --no-fund
fi

# The emulators' executables run their TypeScript pre-bundled (emulators/launch.mjs; they rebuild by themselves
# when a source changes, this only saves the first call the build).
say "emulator bundles"
node emulators/launch.mjs --build

# Two Go builds side by side the first time (minutes each): SeaweedFS alone, and the Temporal CLI followed by the
# Temporal server and UI (which reuse much of the CLI's build cache). Later runs only check the cache.
say "Go tools: Temporal CLI, SeaweedFS, Temporal server + Web UI"
npx tsx scripts/ensure-tools.ts weed &
weed_build=$!
npx tsx scripts/ensure-tools.ts temporal-cli prod || { kill "$weed_build" 2>/dev/null; wait "$weed_build" || true; exit 1; }
wait "$weed_build"
say "ready"
