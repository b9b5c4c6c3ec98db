/**
 * Simulated benchmarking of resource-management policies (Delta-HPC `src/bench`), free of Temporal:
 *
 *   const { prepared, trials } = runBench({ simulation, training, bench, tokens, steps }, resolvePolicies(['all']));
 *   for (const t of trials) writeTrialFiles(outDir, prepared, t);
 *   writeComparison(outDir, trials);
 *
 * One arrival trace per run (`generateBenchTrace`), replayed to every policy; each trial's own randomness is
 * seeded by (policy name, seed). Policies implement `BenchPolicy`; baselines live in `policies/` and are listed in
 * `registry.ts`; RL checkpoints plug in through `resolvePolicies(names, extra)`.
 */

export { benchTraceFromArrivals } from './csv-trace.js';
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
  type AgentBenchMetrics,
  BenchStats,
  benchTtftS,
  FLUSH_STEP_LIMIT,
  percentile,
  percentiles,
  RECOVERY_HORIZON_S,
  type RecoveryInput,
  type RecoverySummary,
  reconfigRecovery,
} from './metrics.js';
export {
  deviation,
  evaluateHeuristic,
  type HeuristicEvaluation,
  type HeuristicSettings,
  heuristic,
  heuristicArrivalRatesPerS,
  heuristicServiceRatesPerS,
  serviceRatesAfter,
} from './policies/heuristic.js';
export {
  aggregateAllocation,
  evaluateQas,
  predictTtftS,
  type QasEvaluation,
  type QasScore,
  type QasSettings,
  qas,
  qasSettings,
  qasTtftCeilingsS,
} from './policies/qas.js';
export { checkpointRunName, rlCheckpointPolicy } from './policies/rl-checkpoint.js';
export { staticNoMig, staticSplitExtreme } from './policies/static.js';
export type { BenchContext, BenchPolicy, BenchPolicyFactory } from './policy.js';
export { ALL_BASELINES, BASELINE_POLICIES, resolvePolicies } from './registry.js';
export {
  aggregateTable,
  bannerText,
  comparisonEntry,
  comparisonTable,
  formatProfileShares,
  formatRecovery,
  formatTtft,
  METRIC_ROWS,
  metricCells,
  preambleText,
  trialJson,
  trialText,
  writeComparison,
  writeComparisonEntries,
  writeTrialFiles,
} from './report.js';
export {
  type BenchSetup,
  type InitialEngineRow,
  type PreparedBench,
  prepareBench,
  runBench,
  runTrial,
  type TrialResult,
  trialSeed,
} from './runner.js';
export { SERVICE_RATE_FACTORS, serviceRatePerS } from './service-rate.js';
export { fancyOutline } from './text-table.js';
export { latestCheckpoints, resolveTrials } from './trials.js';
export {
  type AgentTrace,
  activePattern,
  agentSeed,
  type BenchTrace,
  defaultTraceRng,
  generateBenchTrace,
  type TraceRngFactory,
  type WorkloadPhase,
} from './workload.js';
