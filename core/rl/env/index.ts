/**
 * The RL environment over the MIG simulator (Delta-HPC `src/share/env.py` + `src/training/rewards.py`).
 *
 *   const env = new MigEnv({ simulation, training, tokens, rng: seededEnvRng(seed) });
 *   let { observation } = env.reset();                 // t = 120, 171 floats (2 agents) / 277 (3 agents)
 *   const mask = env.actionMasks();                    // Uint8Array, 55 / 100 entries, NO_ACTION always 1
 *   const { observation, reward, terminated } = env.step(action);   // t += 120; 1024 steps per episode
 *
 * Pieces usable on their own: `observationLayout` (feature offsets), `ObservationBuilder`, `actionMask` and
 * `resolveAction` (index → concrete split/merge/transfer on the simulator), `computeReward` (pure, with its
 * terms), `TrainingWorkload` (the training arrival process) and `checkEnv`.
 */
export { actionMask, type MaskOptions, resolveAction } from './action-mask.js';
export { type CheckEnvReport, checkEnv } from './check-env.js';
export { MigEnv, type MigEnvOptions, REPLENISH_THRESHOLD, type StepInfo, type StepResult } from './env.js';
export { type EnvRng, type EnvStream, expovariate, seededEnvRng } from './env-rng.js';
export { LATENCY_WINDOW, ObservationBuilder, RATIO_EPSILON } from './observation.js';
export {
  type AgentBlockOffsets,
  type GlobalOffsets,
  type ObservationLayout,
  observationLayout,
} from './observation-layout.js';
export {
  affinityRaw,
  computeReward,
  REWARD_EPSILON,
  type RewardBreakdown,
  type RewardEngineView,
  type RewardInput,
  type RewardRequestView,
} from './reward.js';
export { TrainingWorkload, type WorkloadSource } from './training-workload.js';
