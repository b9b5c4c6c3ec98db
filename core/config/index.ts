/**
 * Every config document migflow reads, and the ones it writes, in one module: a zod schema per YAML file (each
 * field `.describe()`d with its default, which docs/configs.md is generated from), `load…(path)` → `Resolved…`,
 * and errors that name the file, the YAML path and line, what was found and the fix.
 *
 * Each document is read, overridden and validated here once: `readTrainingConfig(file, overrides)` is the one way
 * from training_config.yaml (plus a grid trial's or a run's dotted overrides) to what the trainer gets, and
 * `expandTrainingGrid` validates a grid's trials the same way. The simulation config is also written here
 * (`writeBackProfiles`: the fitted latency models into its engine entries; `workingSimulationConfig`: the
 * pipeline's working copy that write-back goes into). Tasks of the benchmark suite (`configs/tasks/*.yaml`) are a
 * bench config plus the traffic the policies face (`loadTaskConfig`).
 */
export {
  AGENT_ORDER,
  addConfigIssue,
  BenchConfigSchema,
  LINUCB_DEFAULTS,
  loadBenchConfig,
  measuredServiceRatePerS,
  PATTERN_ORDER,
  type PatternName,
  type RangeTuple,
  type ResolvedBenchConfig,
  type ServiceRateTable,
  ttftCurve,
} from './bench.js';
export {
  DeploymentConfigSchema,
  isLoopbackHost,
  loadDeploymentConfig,
  PORTS_PER_GPU,
  type ResolvedDeploymentConfig,
} from './deployment.js';
export {
  gpuConfigSchema,
  loadGpuConfig,
  loadGpuModel,
  parseGpuConfig,
  type ResolvedGpuConfig,
} from './gpu.js';
export {
  expandGrid,
  GridSearchSchema,
  type GridTrial,
  loadGridSearchConfig,
  parseGridSearchConfig,
  type ResolvedGridSearchConfig,
  trialId,
} from './grid-search.js';
export { formatPath, loadYamlConfig, parseConfig, parseYamlConfig, readConfigText } from './load.js';
export {
  listModelConfigFiles,
  loadModelConfig,
  loadModelConfigForKey,
  ModelConfigSchema,
  modelConfigFileName,
  type ResolvedModelConfig,
} from './model.js';
export {
  type ClusterGpu,
  engineProfileConfig,
  loadSimulationConfig,
  PERMANENT_GPU_MODEL,
  parseSimulationConfig,
  type ResolvedSimulationConfig,
  simulationConfigSchema,
  simulationOverlaySchema,
  simulationReferencedFiles,
} from './simulation.js';
export {
  agentsServing,
  engineEntryPath,
  type ProfiledModel,
  profiledModel,
  readSimulationDocument,
  type SimulationDocument,
} from './simulation-document.js';
export {
  kvCacheGbFromTokens,
  type LatencyFit,
  type PowerMeasurement,
  type ProfileMeasurement,
  writeBackProfiles,
} from './simulation-writeback.js';
export {
  type BurstySpec,
  BurstyWorkload,
  DEFAULT_GAMMA_SHAPE,
  type LongPromptsPerAgent,
  loadTaskConfig,
  PatternsWorkload,
  type ResolvedTask,
  TaskConfigSchema,
  type TaskWorkloadSpec,
  taskSimulationOptions,
} from './task.js';
export {
  checkTrainingCoversSimulation,
  type EvaluationConfig,
  loadTrainingConfig,
  PATTERN_NAMES,
  parseTrainingConfig,
  type ResolvedTrainingConfig,
  type RewardConfig,
  TIME_FEATURE_DEFAULTS,
  type TimeFeatureConfig,
  trainingConfigSchema,
} from './training.js';
export {
  applyTrainingOverrides,
  expandTrainingGrid,
  type LoadedTrainingConfig,
  readTrainingConfig,
} from './training-document.js';
export { type WorkingConfig, workingSimulationConfig } from './working-copy.js';
export { type WriteBackOptions, writeBackYaml, type YamlEdit, type YamlPath } from './yaml-writeback.js';
