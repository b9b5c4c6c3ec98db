# How the network half of perf/results/sb3-maskable-ppo.json was measured: the same MaskablePPO settings on a
# free stand-in env of migflow's default size. Needs torch, sb3-contrib, gymnasium.   python standin_network_speed.py
# Scratch: SB3 MaskablePPO network cost with a free stand-in env of the same size as migflow's default
# (obs 171 floats, 55 actions, NO_ACTION always valid, 1024-step episodes), same PPO settings and net, CPU.
import json, sys, time, resource
import numpy as np, gymnasium as gym, torch
from sb3_contrib import MaskablePPO
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.monitor import Monitor
from stable_baselines3.common.vec_env import DummyVecEnv, VecNormalize
torch.distributions.Distribution.set_default_validate_args(False)
class StandIn(gym.Env):
    def __init__(self):
        self.observation_space = gym.spaces.Box(-np.inf, np.inf, (171,), np.float32)
        self.action_space = gym.spaces.Discrete(55)
        self.rng = np.random.default_rng(0); self.t = 0
    def reset(self, seed=None, options=None):
        self.t = 0; return self.rng.random(171, dtype=np.float32), {}
    def step(self, a):
        self.t += 1; return self.rng.random(171, dtype=np.float32), -float(a != 0), self.t >= 1024, False, {}
    def action_masks(self):
        m = self.rng.random(55) < 0.5; m[0] = True; return m
env = VecNormalize(DummyVecEnv([lambda: Monitor(StandIn())]), norm_obs=True, norm_reward=True)
model = MaskablePPO('MlpPolicy', env, policy_kwargs=dict(activation_fn=torch.nn.Tanh, net_arch=dict(pi=[512, 512], vf=[512, 512])),
    learning_rate=5e-5, n_steps=2048, batch_size=256, n_epochs=10, gamma=0.995, gae_lambda=0.9, clip_range=0.2, clip_range_vf=0.2, ent_coef=0.005, device='cpu', verbose=0)
marks = {}
class Cb(BaseCallback):
    def _on_step(self): return True
    def _on_rollout_end(self): marks['rolloutCpuS'] = time.process_time() - c0; marks['rolloutWallS'] = time.perf_counter() - t0
t0 = time.perf_counter(); c0 = time.process_time()
model.learn(total_timesteps=2048, callback=Cb())
cpu = time.process_time() - c0; wall = time.perf_counter() - t0
print(json.dumps({'envSteps': 2048, 'cpuS': cpu, 'wallS': wall, 'collectCpuS': marks['rolloutCpuS'], 'updateCpuS': cpu - marks['rolloutCpuS'],
  'torchThreads': torch.get_num_threads(), 'peakRssMiB': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
