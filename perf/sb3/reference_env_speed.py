# How perf/results/sb3-maskable-ppo.json was measured (not part of migflow; needs a Delta-HPC checkout with its
# generated token files, and a venv with torch, sb3-contrib, gymnasium, pyyaml). Run from the checkout's root:
#   python reference_env_speed.py 1
# Progress lines (steps, CPU s, env CPU s) go to stderr every 128 env steps.
# Scratch benchmark (outside the project): SB3 MaskablePPO on the reference's own training env, exactly as
# src/training/train.py builds it (Monitor -> DummyVecEnv -> VecNormalize, MlpPolicy tanh, pi/vf [512,512],
# the config's PPO settings), on the CPU. One learn() of N rollouts; env time measured inside the env.
import json, os, resource, sys, time, types
sys.modules['datasets'] = types.ModuleType('datasets')
sys.path.insert(0, '.')
os.environ.setdefault('TRAINING_RUN_ID', 'sb3speed')
import torch
from sb3_contrib import MaskablePPO
from stable_baselines3.common.monitor import Monitor
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.vec_env import DummyVecEnv, VecNormalize
import src.share.models as m
from src.simulation.agent import AgentImpl
from src.simulation.simulator import SimulatorImpl
from src.training.config import TRAINING_CONFIG as C
from src.training.train import TrainingMIGResourceEnv
torch.distributions.Distribution.set_default_validate_args(False)

rollouts = int(sys.argv[1]) if len(sys.argv) > 1 else 1
env_s = [0.0]
env_cpu = [0.0]
class Timed(TrainingMIGResourceEnv):
    def step(self, a):
        t = time.perf_counter(); c = time.process_time(); r = super().step(a); env_s[0] += time.perf_counter() - t; env_cpu[0] += time.process_time() - c; return r
    def reset(self, **kw):
        t = time.perf_counter(); c = time.process_time(); r = super().reset(**kw); env_s[0] += time.perf_counter() - t; env_cpu[0] += time.process_time() - c; return r
    def action_masks(self):
        t = time.perf_counter(); c = time.process_time(); r = super().action_masks(); env_s[0] += time.perf_counter() - t; env_cpu[0] += time.process_time() - c; return r

agents = {aid: AgentImpl(aid) for aid in m.AgentId}
sim = SimulatorImpl(agents=agents, engines={}, no_log=True)
raw = Timed(sim, enable_log=False)
env = VecNormalize(DummyVecEnv([lambda: Monitor(raw)]), norm_obs=True, norm_reward=True) if C.sb3_norm else Monitor(raw)
model = MaskablePPO('MlpPolicy', env, policy_kwargs=dict(activation_fn=torch.nn.Tanh, net_arch=dict(pi=C.rl_net_arch_pi, vf=C.rl_net_arch_vf)),
    learning_rate=C.rl_lr_max, n_steps=C.rl_n_steps, batch_size=C.rl_batch_size, n_epochs=C.rl_n_epochs, gamma=C.rl_gamma,
    gae_lambda=C.rl_gae_lambda, clip_range=C.rl_clip_range, clip_range_vf=C.rl_clip_range, ent_coef=C.rl_ent_coef, device='cpu', verbose=0)
class Progress(BaseCallback):
    def _on_step(self):
        if self.num_timesteps % 128 == 0:
            print(json.dumps({'steps': self.num_timesteps, 'cpuS': time.process_time() - c0, 'wallS': time.perf_counter() - t0, 'envCpuS': env_cpu[0]}), file=sys.stderr, flush=True)
        return True
    def _on_rollout_end(self):
        print(json.dumps({'rolloutEnd': self.num_timesteps, 'cpuS': time.process_time() - c0, 'wallS': time.perf_counter() - t0, 'envCpuS': env_cpu[0]}), file=sys.stderr, flush=True)
steps = rollouts * C.rl_n_steps
t0 = time.perf_counter(); c0 = time.process_time()
model.learn(total_timesteps=steps, callback=Progress())
wall = time.perf_counter() - t0; cpu = time.process_time() - c0
print(json.dumps({
    'library': 'sb3-contrib MaskablePPO', 'sb3Contrib': __import__('sb3_contrib').__version__, 'torch': torch.__version__,
    'torchThreads': torch.get_num_threads(), 'python': sys.version.split()[0], 'device': 'cpu',
    'agents': len(list(m.AgentId)), 'obsSize': env.observation_space.shape[0], 'actionCount': int(env.action_space.n),
    'netArch': {'pi': C.rl_net_arch_pi, 'vf': C.rl_net_arch_vf}, 'nSteps': C.rl_n_steps, 'batchSize': C.rl_batch_size,
    'nEpochs': C.rl_n_epochs, 'episodeLength': C.episode_length, 'sb3Norm': C.sb3_norm,
    'envSteps': int(model.num_timesteps), 'wallS': wall, 'cpuS': cpu, 'envStepsPerS': model.num_timesteps / wall, 'envStepsPerCpuS': model.num_timesteps / cpu,
    'simulationShare': env_s[0] / wall, 'networkShare': 1 - env_s[0] / wall, 'envCpuS': env_cpu[0], 'simulationCpuShare': env_cpu[0] / cpu,
    'peakRssMiB': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
