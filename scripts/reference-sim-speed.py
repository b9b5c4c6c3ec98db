"""Measures the reference's Python simulator for perf/reference-sim-speed.json: Delta-HPC's mock-train loop
(src/simulation/main.py: random valid action from the global `random`, trigger, run, reward, replenish) without
its per-step prints, on the same simulation config as `npm run bench:sim`.

Run it OUTSIDE this project, from a scratch export of the reference (see scripts/reference-trace-fixture.py):
  sed 's#configs/models/#configs/#' <migflow checkout>/configs/simulation_config.yaml > /tmp/ref/configs/simulation_config.yaml
  (write every generate_path of that config with the table of syntheticTokenTables(0): 2000 rows, prompt
   100 + int(random()*3900) then completion 20 + int(random()*780) from random.Random(0))
  cd /tmp/ref && /tmp/refvenv/bin/python <migflow checkout>/scripts/reference-sim-speed.py EPISODES STEPS
"""
import json, resource, sys, time, types
sys.modules['datasets'] = types.ModuleType('datasets')
sys.path.insert(0, '.')
import random
import src.share.models as m
import src.simulation.utils as sim_utils
from src.share.request_loader import RequestLoader
from src.simulation.simulator import SimulatorImpl
from src.training.config import TRAINING_CONFIG
from src.training.models import AgentPattern
from src.training.rewards import compute_reward

episodes = int(sys.argv[1]) if len(sys.argv) > 1 else 1
max_steps = int(sys.argv[2]) if len(sys.argv) > 2 else 1024
out = {"python": sys.version.split()[0], "agents": [a.value for a in m.AgentId], "gpuModel": sim_utils.SIM_CONFIG.gpu_model if hasattr(sim_utils.SIM_CONFIG, 'gpu_model') else None, "episodes": []}
agents = {}
engines = {}
sim = SimulatorImpl(agents=agents, engines=engines, no_log=True)
for ep in range(episodes):
    t0 = time.perf_counter()
    c0 = time.process_time()
    load_turn = 0
    loader = RequestLoader(
        num_steps=TRAINING_CONFIG.episode_length,
        get_rate_range=lambda p, a: TRAINING_CONFIG.pattern_rate(AgentPattern(p), a),
        get_duration_range=lambda p: TRAINING_CONFIG.pattern_duration(AgentPattern(p)),
        dataset_paths=sim_utils.SIM_CONFIG.datasets,
    )
    requests = []
    sim.reset()
    for aid in m.AgentId:
        requests.extend(loader.generate_requests(agent_id=aid, turn=load_turn))
    sim.init_simulator(requests, max_steps)
    sim.run()
    steps = 0
    for step in range(max_steps):
        mask = sim.get_action_mask()
        valid_actions = [a for a, msk in zip(m.ResourceManagerAction, mask) if msk]
        action = random.choice(valid_actions)
        state_data = sim.get_state()
        sim.handle_resource_manager_trigger(sim.map_to_action(action))
        sim.run()
        compute_reward(state_data["requests"], action, sim.current_time, sim.gpu_engines)
        for agent_id in sim.need_requests_replenish():
            load_turn += 1
            sim.add_arrival_events(loader.generate_requests(agent_id=agent_id, start_time=sim.latest_arrival_time(agent_id), turn=load_turn))
        steps += 1
    wall = time.perf_counter() - t0
    cpu = time.process_time() - c0
    out["episodes"].append({"steps": steps, "wallS": wall, "cpuS": cpu, "stepsPerS": steps / wall, "stepsPerCpuS": steps / cpu, "simTimeS": sim.current_time, "maxRssMiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})
    print(json.dumps(out["episodes"][-1]), file=sys.stderr, flush=True)
json.dump(out, sys.stdout)
