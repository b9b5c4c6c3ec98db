"""Regenerates test/fixtures/workload/reference-bench-trace.json by running Delta-HPC's own RequestLoader the
way its bench does (src/bench/main.py: seed from bench_config.yaml, track_history, once per agent in enum order).

Run it OUTSIDE this project, from a scratch export of the reference with a scratch venv:
  git -C <Delta-HPC git dir> archive HEAD src configs | tar x -C /tmp/ref
  python3 -m venv /tmp/refvenv && /tmp/refvenv/bin/pip install pyyaml sortedcontainers numpy gymnasium
  (write one generated JSONL per generate_path in configs/simulation_config.yaml: 1000 rows, ids "0".."999")
  cd /tmp/ref && /tmp/refvenv/bin/python <migflow checkout>/scripts/reference-trace-fixture.py > reference-bench-trace.json
The `datasets` package is only imported, never used by the generator, so it is stubbed.
"""

import hashlib
import json
import struct
import sys
import types

sys.modules["datasets"] = types.ModuleType("datasets")
sys.path.insert(0, ".")
import src.share.models as m  # noqa: E402
import src.simulation.utils as sim_utils  # noqa: E402
from src.bench.config import BENCH_CONFIG  # noqa: E402
from src.bench.models import Workload  # noqa: E402
from src.share.request_loader import RequestLoader  # noqa: E402

loader = RequestLoader(
    num_steps=BENCH_CONFIG.benchmark_length,
    get_rate_range=lambda p, a: BENCH_CONFIG.get_rate_range(Workload(p), a),
    get_duration_range=lambda p: BENCH_CONFIG.get_duration_range(Workload(p)),
    dataset_paths=sim_utils.SIM_CONFIG.datasets,
    seed=BENCH_CONFIG.seed,
    track_history=True,
    workload_sequence=BENCH_CONFIG.workload_sequence,
)
out = {"python": sys.version.split()[0], "seed": BENCH_CONFIG.seed, "benchmarkLength": BENCH_CONFIG.benchmark_length, "agents": []}
total = 0
for j, aid in enumerate(m.AgentId):
    reqs = loader.generate_requests(agent_id=aid, turn=0)
    times = [r.arrival_time for r in reqs]
    total += len(reqs)
    ph = loader.phase_history[aid]
    out["agents"].append({
        "agent": aid.value,
        "enumIndex": j,
        "count": len(reqs),
        "firstArrivalS": times[0],
        "lastArrivalS": times[-1],
        "sha256": hashlib.sha256(b"".join(struct.pack("<d", t) for t in times)).hexdigest(),
        "first1000ArrivalS": times[:1000],
        "first1000OriginalIds": [int(r.original_id) for r in reqs[:1000]],
        "phases": len(ph),
        "firstPhase": ph[0],
        "lastPhase": ph[-1],
    })
out["totalRequests"] = total
json.dump(out, sys.stdout)
