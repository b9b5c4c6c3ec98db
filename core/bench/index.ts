/**
 * Simulated benchmarking of resource-management policies (Delta-HPC `src/bench`), free of Temporal:
 *
 *   const { prepared, trials } = runBench({ simulation, training, bench, tokens, steps }, resolvePolicies(['all']));
 *   for (const t of trials) writeTrialFiles(outDir, prepared, t);
 *   writeComparison(outDir, trials);
 *
 * One arrival trace per run (core/workload's `generateBenchTrace`), replayed to every policy; each trial's own
 * randomness is seeded by (policy name, seed). The policies themselves are core/control's. The task suite
 * (configs/tasks/: easy, medium, hard) runs every policy on every task and scores them (`runTaskSuite`).
 */

export { type SimulatedRunFilesOptions, simulatedRunFiles } from './content-files.js';
export {
  EVENT_KINDS,
  type EventKind,
  eventTimesS,
  timelineSeries,
  timelineSpec,
  writeTrialFigures,
} from './figures.js';
export { type BenchFiles, loadBenchSetup, type TraceSource } from './load-setup.js';
export {
  type ActionLogEntry,
  BenchStats,
  benchTtftS,
  FLUSH_STEP_LIMIT,
  RECOVERY_HORIZON_S,
  type RecoveryInput,
  reconfigRecovery,
} from './metrics.js';
export {
  bannerText,
  comparisonEntry,
  comparisonTable,
  energyTable,
  preambleText,
  trialJson,
  trialText,
  writeComparison,
  writeComparisonEntries,
  writeTrialFiles,
} from './report.js';
export {
  type BenchSetup,
  COMMON_START_SEED_KEY,
  commonStartLayout,
  type InitialEngineRow,
  type PreparedBench,
  prepareBench,
  runBench,
  runTrial,
  type TrialOptions,
  type TrialResult,
  trialSeed,
  trialStart,
} from './runner.js';
export {
  type PolicyScore,
  SCORE_REFERENCE_POLICY,
  suiteScoreTable,
  type TaskScores,
  taskScores,
  taskScoreTable,
} from './task-scores.js';
export { runTaskSuite, type TaskRun, type TaskSuiteOptions, type TaskSuiteResult } from './task-suite.js';
export {
  loadTaskConfig,
  type ResolvedTask,
  TASK_SUITE,
  TASKS_DIR,
  type TaskBenchFiles,
  taskBenchSetup,
  taskFiles,
} from './tasks.js';
export { benchTrials, latestCheckpoints, resolveTrials } from './trials.js';
