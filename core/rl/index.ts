/**
 * Maskable PPO for the MIG environment, on tfjs (SB3 + sb3-contrib MaskablePPO, ported).
 *
 *   const trainer = new PpoTrainer(env, trainerConfig, callbacks);     // core/stages/train wires it to the env
 *   await trainer.learn(signal);
 *   const policy = loadPolicyForInference(checkpointDir);              // no tfjs needed
 *   const action = policy.actDeterministic(observation, env.actionMasks());
 *
 * Pieces: `ActorCriticPolicy` (act / evaluateActions / predictValues), `RolloutBuffer` + `computeGae`,
 * `ppoLoss` / `ppoUpdate`, `PpoTrainer` (collect → update loop, callbacks, exportable state), `Normalizer`
 * (VecNormalize), schedules, `Adam` (PyTorch's), `selectTfBackend`, checkpoint read/write, and the WebAssembly
 * kernels the multi-environment update runs on (`Kernels`, for benchmarks). The learner only: the environment is
 * core/control's, and a training run (configs, run directory, logs) is core/stages/train.
 */
export { Adam, clipByGlobalNorm, SB3_ADAM } from './adam.js';
export { describeBackend, selectTfBackend, TF_BACKENDS, type TfBackendInfo } from './backend.js';
export {
  type CloneOptions,
  type CloneStats,
  cloneBehaviour,
  type Demonstrations,
  scoreDemonstrations,
  WARM_START_CLONE_DEFAULTS,
} from './behaviour-cloning.js';
export { checkpointPath, writeCheckpoint } from './checkpoint.js';
export {
  CHECKPOINT_FORMAT,
  type CheckpointMeta,
  type LoadedCheckpoint,
  readCheckpoint,
} from './checkpoint-format.js';
export { type DivergedQuantity, type DivergenceContext, TrainingDivergedError } from './errors.js';
export { type AdamStep, FlatAdam } from './flat-adam.js';
export { type InferencePolicy, loadPolicyForInference } from './inference.js';
export { MASKED_LOGIT, sampleMasked } from './masked-categorical.js';
export { createKernelMemory, Kernels, MemoryPlan, planStack } from './mlp-kernels.js';
export {
  AUTO_N_ENVS_CAP,
  autoNEnvs,
  parseNEnvs,
  parseWorkerNEnvs,
  runNEnvs,
  type WorkerNEnvs,
} from './n-envs.js';
export { Normalizer, RunningMeanStd, VEC_NORMALIZE_DEFAULTS } from './normalizer.js';
export { ActorCriticPolicy, type PolicyShape } from './policy.js';
export {
  explainedVariance,
  type PpoHyperParams,
  type PpoUpdateStats,
  ppoLoss,
  ppoUpdate,
  SB3_PPO_DEFAULTS,
} from './ppo.js';
export { SavableRng } from './rng.js';
export { computeGae, RolloutBuffer } from './rollout-buffer.js';
export { type RolloutDiagnostics, rolloutDiagnostics } from './rollout-diagnostics.js';
export {
  constantSchedule,
  linearSchedule,
  progressRemaining,
  type Schedule,
  steppedEntropySchedule,
} from './schedule.js';
export {
  type GradientShards,
  ShardComputer,
  type ShardJob,
  type SharedUpdateMemory,
  shardRange,
} from './sharded-update.js';
export { threadCpuS } from './thread-cpu.js';
export {
  type EpisodeRecord,
  PpoTrainer,
  type RolloutRecord,
  type TrainEnv,
  type TrainerConfig,
  type TrainerState,
  TrainingAbortedError,
  type UpdateRecord,
} from './trainer.js';
export { type MatMulShape, type UpdateFlops, updateFlops } from './update-flops.js';
export {
  type EnvResetRequest,
  type EnvResetResult,
  type EnvStepResult,
  InProcessVecEnv,
  resetTrainEnv,
  stepTrainEnv,
  type VecEnv,
} from './vec-env.js';
