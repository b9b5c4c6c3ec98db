"""CPU seconds of the reference's (Delta-HPC's) simulator on the trial `npm run bench:sim` runs side by side.

The trial is one environment episode of STEPS decisions under a random valid-action policy, as the reference's
mock-train loop (src/simulation/main.py) drives it without its per-step prints: mask, random.choice of a valid
action, state, trigger, run, reward, replenish. Both sides use the same inputs:
  - simulation config: migflow's file, with vllm_config paths rewritten to the reference's layout;
  - training config: migflow's file (the reference's values, with comments);
  - token files: one JSONL per generate_path holding migflow's `syntheticTokenTables(TOKEN_SEED)` (ids "0".."n-1",
    prompt 100 + int(random()*3900) for every item, then completion 20 + int(random()*780), from Random(seed));
  - randomness: the global `random` seeded with SEED, and every workload batch seeded as the bench seeds it
    (RequestLoader(seed=WORKLOAD_SEED)), which is what bench:sim's `workloadSeed` does on migflow's side. The two
    simulators then draw the same arrivals, layouts and actions, so their completed-request counts agree (a
    last-ulp difference in V8's cos/sin may shift a rare tie).

Timing covers reset + STEPS decisions (time.process_time: user + system CPU of this process), not the imports,
the token-file writes or the config load. With --warmup-steps N an untimed episode of N decisions runs first (fresh
simulator, streams re-seeded before each), as bench:sim does on migflow's side with the same option: the timed
trial is then steady-state on both sides (V8 has compiled migflow's hot code; CPython has nothing to warm). Prints one JSON object on stdout.

  python perf/reference/measure_reference_sim.py --reference DIR [--steps 1024] [--seed 0] [--workload-seed 0]
DIR is an export of the reference (`git -C <Delta-HPC git dir> archive HEAD src configs | tar x -C DIR`); it is
copied into a scratch directory (--work-dir, default a new temporary one) and never modified. The reference needs
Python >= 3.12 with pyyaml, sortedcontainers, numpy and gymnasium (`datasets` is imported but unused: stubbed).
"""

import argparse
import collections
import json
import os
import platform
import random
import re
import resource
import shutil
import sys
import tempfile
import time
import types
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent.parent


def synthetic_token_rows(seed: int, items: int):
    rng = random.Random(seed)
    prompts = [100 + int(rng.random() * 3900) for _ in range(items)]
    completions = [20 + int(rng.random() * 780) for _ in range(items)]
    return [
        json.dumps({"id": str(i), "prompt_tokens": p, "completion_tokens": c})
        for i, (p, c) in enumerate(zip(prompts, completions))
    ]


def prepare(args) -> Path:
    work = Path(args.work_dir) if args.work_dir else Path(tempfile.mkdtemp(prefix="migflow-reference-sim-"))
    ref = Path(args.reference)
    for sub in ("src", "configs"):
        if not (ref / sub).is_dir():
            sys.exit(f"{ref / sub}: not found — fix: export the reference with "
                     f"`git -C <Delta-HPC git dir> archive HEAD src configs | tar x -C {ref}`")
        shutil.rmtree(work / sub, ignore_errors=True)
        shutil.copytree(ref / sub, work / sub)
    sim_text = Path(args.simulation_config).read_text()
    # migflow keeps the vLLM model files under configs/models/, the reference directly under configs/.
    sim_text = sim_text.replace("configs/models/", "configs/")
    (work / "configs" / "simulation_config.yaml").write_text(sim_text)
    shutil.copyfile(args.training_config, work / "configs" / "training_config.yaml")
    rows = "\n".join(synthetic_token_rows(args.token_seed, args.token_items)) + "\n"
    for path in sorted(set(re.findall(r"generate_path:\s*(\S+)", sim_text))):
        target = work / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(rows)
    return work


class CountingDeque(collections.deque):
    """The agents' ring of completed requests, counting every append (the total the ring forgets)."""

    total = 0

    def append(self, item):
        CountingDeque.total += 1
        super().append(item)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--reference", required=True, help="export of Delta-HPC (src/ and configs/)")
    p.add_argument("--simulation-config", default=str(PROJECT / "configs" / "simulation_config.yaml"))
    p.add_argument("--training-config", default=str(PROJECT / "configs" / "training_config.yaml"))
    p.add_argument("--steps", type=int, default=1024)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--workload-seed", type=int, default=0)
    p.add_argument("--token-seed", type=int, default=0)
    p.add_argument("--token-items", type=int, default=2000)
    p.add_argument("--warmup-steps", type=int, default=0,
                   help="run an untimed episode of this many decisions first (as bench:sim --warmup-steps does)")
    p.add_argument("--work-dir")
    args = p.parse_args()
    work = prepare(args)

    os.chdir(work)
    sys.path.insert(0, str(work))
    sys.modules["datasets"] = types.ModuleType("datasets")
    import src.share.models as m
    import src.simulation.utils as sim_utils
    from src.share.request_loader import RequestLoader
    from src.simulation.simulator import SimulatorImpl
    from src.training.config import TRAINING_CONFIG
    from src.training.models import AgentPattern
    from src.training.rewards import compute_reward

    def trial(steps: int):
        """One episode of `steps` decisions from a fresh simulator and re-seeded streams: (cpu s, wall s, sim)."""
        random.seed(args.seed)
        CountingDeque.total = 0
        loader = RequestLoader(
            num_steps=steps,
            get_rate_range=lambda pat, a: TRAINING_CONFIG.pattern_rate(AgentPattern(pat), a),
            get_duration_range=lambda pat: TRAINING_CONFIG.pattern_duration(AgentPattern(pat)),
            dataset_paths=sim_utils.SIM_CONFIG.datasets,
            seed=args.workload_seed,
        )
        sim = SimulatorImpl(agents={}, engines={}, no_log=True)

        wall0 = time.perf_counter()
        cpu0 = time.process_time()
        # migflow's MigEnv.reset: layout, then every agent's batch, then one add (RAG delays drawn after the last batch).
        sim.reset()
        for agent in sim.agents.values():
            agent._completed_requests = CountingDeque(maxlen=500)
        load_turn = 0
        requests = []
        for aid in m.AgentId:
            requests.extend(loader.generate_requests(agent_id=aid, turn=load_turn))
        sim.init_simulator(requests, steps)
        sim.run()
        for _ in range(steps):
            mask = sim.get_action_mask()
            valid = [a for a, ok in zip(m.ResourceManagerAction, mask) if ok]
            action = random.choice(valid)
            state = sim.get_state()
            sim.handle_resource_manager_trigger(sim.map_to_action(action))
            sim.run()
            compute_reward(state["requests"], action, sim.current_time, sim.gpu_engines)
            for aid in sim.need_requests_replenish():
                load_turn += 1
                sim.add_arrival_events(
                    loader.generate_requests(agent_id=aid, start_time=sim.latest_arrival_time(aid), turn=load_turn)
                )
        return time.process_time() - cpu0, time.perf_counter() - wall0, sim

    # --warmup-steps: an untimed shorter episode first, as bench:sim then runs on its side (same work in the timed part).
    warmup_cpu = trial(args.warmup_steps)[0] if args.warmup_steps > 0 else None
    cpu, wall, sim = trial(args.steps)

    json.dump(
        {
            "implementation": "Delta-HPC (Python)",
            "python": platform.python_version(),
            "agents": [a.value for a in m.AgentId],
            "steps": args.steps,
            "seed": args.seed,
            "workloadSeed": args.workload_seed,
            "tokenSeed": args.token_seed,
            "warmupSteps": args.warmup_steps,
            "warmupCpuS": None if warmup_cpu is None else round(warmup_cpu, 3),
            "cpuS": round(cpu, 3),
            "wallS": round(wall, 3),
            "stepsPerCpuS": round(args.steps / cpu, 4),
            "completedRequests": CountingDeque.total,
            "simTimeS": sim.current_time,
            "maxRssMiB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        },
        sys.stdout,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
