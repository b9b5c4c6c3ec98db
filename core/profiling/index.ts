/**
 * Profiling an LLM engine on one MIG slice, and fitting what was measured (Delta-HPC's bench_serve_*.sh and
 * fitting scripts): the streaming load generator and its vLLM-bench-compatible JSON, the prefill and concurrency
 * sweep plans, the KV-cache size from the engine's log, a timed restart, the replay of a dataset's prompts
 * (`generate`), and the two latency fits (TTFT = α + β·input_tokens, ITL = α + β·N) with σ, r² and plots.
 * `profileEngineRun` is the whole profiling of one (model, MIG profile) with resumable sweeps.
 */
export {
  benchFilesIn,
  type FitOptions,
  type FitParams,
  fitPrefillFile,
  fitTpotDir,
  type PrefillFitResult,
  type TpotFitResult,
} from './fit.js';
export { prefillPoints, readBenchJson, tpotPoints } from './fit-input.js';
export {
  type FitToCheck,
  type NonPhysicalFit,
  nonPhysicalFits,
  nonPhysicalPrefill,
  nonPhysicalTpot,
  refuseNonPhysicalFits,
} from './fit-physical.js';
export { datasetNameOf, generateOutputName, runGenerate } from './generate.js';
export { type KvCacheReading, parseKvCacheLog } from './kv-cache-log.js';
export { type BenchResultJson, benchResult, type LoadRun, percentile, runLoad } from './load-generator.js';
export {
  engineBusy,
  fitPowerModel,
  type NvidiaSmiCommand,
  POWER_AVERAGE_MS,
  type PowerFit,
  type PowerProbe,
  type PowerReading,
  type PowerSample,
  type PowerSampler,
  parsePowerDraw,
  powerDrawArgv,
  readPowerDrawWithReason,
  readWithUtilisation,
  samplePower,
  trackUtilisation,
  type UtilisationTracker,
  whyNoValue,
} from './power.js';
export {
  type ProfileEngineRunOptions,
  type ProfileEngineRunResult,
  type ProfileProgress,
  profileEngineRun,
} from './profile-engine.js';
export { pythonFloatRepr } from './python-json.js';
export { randomRequests } from './random-prompts.js';
export { measureRestartTime } from './restart-time.js';
export {
  defaultConcurrencyPlan,
  defaultPrefillPlan,
  runSweep,
  type SweepPlan,
  tpotPromptsFor,
  unfilledLevels,
} from './sweeps.js';
