/**
 * MIG control: what a decision reads (`ClusterView`, implemented by the simulator and by the live deployment),
 * how it is turned into an observation, which actions are allowed, what an action means on the cluster, what a
 * decision earns, and the policies that decide (static layouts, the heuristic, QAS, a trained RL checkpoint).
 * The RL environment over the simulator lives here too (Delta-HPC `src/share/env.py` + `src/training/rewards.py`):
 *
 *   const env = new MigEnv({ simulation, training, tokens, rng: seededEnvRng(seed) });
 *   let { observation } = env.reset();                 // t = 120, 171 floats (2 agents) / 277 (3 agents)
 *   const mask = env.actionMasks();                    // Uint8Array, 55 / 100 entries, NO_ACTION always 1
 *   const { observation, reward, terminated } = env.step(action);   // t += 120; 1024 steps per episode
 *
 * Pieces usable on their own: `observationLayout` (feature offsets), `ObservationBuilder`, `actionMask` and
 * `resolveAction` (index → concrete split/merge/transfer on a cluster view), `computeReward` (pure, with its
 * terms) and `EpisodeRewardSum` (its sum over a run, split into those terms), `checkEnv`, and the policy registry
 * (`resolvePolicies`, `BASELINE_POLICIES`: static layouts, the heuristic, QAS, the LinUCB bandit that learns online
 * from the reward; RL checkpoints are added by the caller).
 */
export { actionMask, leastLoadedEngineIndex, type MaskOptions, resolveAction } from './action-mask.js';
export { type CheckEnvReport, checkEnv } from './check-env.js';
export type {
  AgentView,
  ClusterMetricsView,
  ClusterView,
  CompletedRequestView,
  EngineView,
  SimulatorIsAClusterView,
} from './cluster-view.js';
export {
  agentItemCounts,
  MigEnv,
  type MigEnvOptions,
  REPLENISH_THRESHOLD,
  type StepInfo,
  type StepResult,
} from './env.js';
export { type EnvRng, type EnvStream, expovariate, seededEnvRng } from './env-rng.js';
export { type EpisodeReward, EpisodeRewardSum, rewardParts } from './episode-reward.js';
export { type IdleClockState, IdleClocks } from './idle-clocks.js';
export { LATENCY_WINDOW, ObservationBuilder, RATIO_EPSILON } from './observation.js';
export {
  type AgentBlockOffsets,
  type GlobalOffsets,
  type ObservationLayout,
  observationLayout,
} from './observation-layout.js';
export {
  deviation,
  evaluateHeuristic,
  type HeuristicEvaluation,
  type HeuristicSettings,
  heuristic,
  heuristicArrivalRatesPerS,
  heuristicServiceRatesPerS,
  INFINITE_RATIO_DEVIATION,
  serviceRatesAfter,
} from './policies/heuristic.js';
export { idleMerge } from './policies/idle-merge.js';
export { fromRlStart, layoutReachingPolicy, staticTargetState } from './policies/layout-reaching.js';
export { chooseArm, type LinUcbState, linUcb, linUcbContext } from './policies/linucb.js';
export { LinUcbModel, type LinUcbSettings } from './policies/linucb-model.js';
export type { Policy, PolicyContext, PolicyFactory } from './policies/policy.js';
export {
  aggregateAllocation,
  evaluateQas,
  type HeldSlice,
  heldSlices,
  heldSlicesAfter,
  MIN_OVERLOAD_SLOPE_S_PER_REQ_S,
  predictTtftS,
  type QasEvaluation,
  type QasScore,
  type QasSettings,
  qas,
  qasSettings,
  qasTtftCeilingsS,
  scoreOf,
} from './policies/qas.js';
export { ALL_BASELINES, BASELINE_POLICIES, resolvePolicies } from './policies/registry.js';
export { checkpointRunName, rlCheckpointPolicy } from './policies/rl-checkpoint.js';
export { SERVICE_RATE_FACTORS, serviceRatePerS } from './policies/service-rate.js';
export { staticNoMig, staticSplitExtreme } from './policies/static.js';
export {
  affinityRaw,
  computeReward,
  REWARD_EPSILON,
  type RewardBreakdown,
  type RewardEngineView,
  type RewardInput,
  type RewardRequestView,
} from './reward.js';
export type { ObservationClockState } from './time-features.js';
