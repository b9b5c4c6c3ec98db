/**
 * Maskable PPO for the MIG environment, on tfjs (SB3 + sb3-contrib MaskablePPO, ported).
 *
 *   const result = await runTraining({ trainingConfigPath, simulationConfigPath, runDir, overrides, resumeFrom });
 *   const policy = loadPolicyForInference(result.bestCheckpoint);      // no tfjs needed
 *   const action = policy.actDeterministic(observation, env.actionMasks());
 *
 * Pieces: `ActorCriticPolicy` (act / evaluateActions / predictValues), `RolloutBuffer` + `computeGae`,
 * `ppoLoss` / `ppoUpdate`, `PpoTrainer` (collect → update loop, callbacks, exportable state), `Normalizer`
 * (VecNormalize), schedules, `Adam` (PyTorch's), `selectTfBackend`, checkpoint read/write, and the WebAssembly
 * kernels the multi-environment update runs on (`Kernels`, for benchmarks). The environment itself is `./env`.
 */
export { Adam, clipByGlobalNorm, SB3_ADAM } from './adam.js';
export { describeBackend, selectTfBackend, TF_BACKENDS, type TfBackendInfo } from './backend.js';
export { checkpointPath, writeCheckpoint } from './checkpoint.js';
export {
  CHECKPOINT_FORMAT,
  type CheckpointMeta,
  type LoadedCheckpoint,
  readCheckpoint,
  stepsFromCheckpointName,
} from './checkpoint-format.js';
export { type InferencePolicy, loadPolicyForInference } from './inference.js';
export { MASKED_LOGIT, sampleMasked } from './masked-categorical.js';
export { createKernelMemory, Kernels, MemoryPlan, planStack } from './mlp-kernels.js';
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
export {
  constantSchedule,
  linearSchedule,
  progressRemaining,
  type Schedule,
  steppedEntropySchedule,
} from './schedule.js';
export {
  type RunTrainingOptions,
  type RunTrainingResult,
  runTraining,
  type TrainingProgress,
} from './train/run-training.js';
export {
  type EpisodeRecord,
  PpoTrainer,
  type TrainEnv,
  type TrainerConfig,
  TrainingAbortedError,
  type UpdateRecord,
} from './trainer.js';
