/**
 * Every source of arrivals, in one module: Delta-HPC's `RequestLoader` ported draw for draw on the CPython-exact
 * stream (`core/random`) with pattern ranges from the bench or training config; the training workload the
 * environment replenishes from; the benchmark's shared trace (generated, or cut from a recorded one); recorded
 * arrival CSVs (migflow, BurstGPT, Azure layouts) replayed as a workload; the token lengths requests carry
 * (profiling's generated JSONLs or seeded synthetic ones); trace fingerprints; and the task suite's traffic —
 * BurstGPT-shaped bursts with Gamma gaps, and any task as a training workload.
 */
export {
  type AgentArrivals,
  type ArrivalTrace,
  readArrivalTraceCsv,
  splitCsvLine,
  type TraceCsvOptions,
  type TraceLayout,
} from './arrival-csv.js';
export { concatArrivals, toArrivalColumns, toArrivalSpecs } from './arrival-specs.js';
export {
  type AgentTrace,
  activePattern,
  type BenchTrace,
  defaultTraceRng,
  generateBenchTrace,
  PATTERN_BOUNDARY_TOLERANCE_S,
  replayBenchTrace,
  type TraceOptions,
  type TraceRngFactory,
} from './bench-trace.js';
export {
  type BurstyBatchOptions,
  type BurstyTraceOptions,
  burstyBatch,
  generateBurstyTrace,
  type TraceBuildOptions,
} from './bursty-arrivals.js';
export { type GammaRng, gammaGapS, gammaVariate } from './gamma.js';
export { type LongPromptSpec, withLongPrompts } from './long-prompts.js';
export { benchPatternRanges, trainingPatternRanges } from './pattern-ranges.js';
export { benchTraceFromArrivals } from './recorded-bench-trace.js';
export {
  AGENT_SEED_MIXER,
  type ArrivalBatch,
  agentSeed,
  cpythonWorkloadRng,
  type PatternName,
  type PatternRanges,
  RequestLoader,
  type RequestLoaderOptions,
  type SequenceItem,
  WORKLOAD_PATTERNS,
  type WorkloadPhase,
  type WorkloadRng,
  type WorkloadRngFactory,
} from './request-loader.js';
export type { WorkloadSource } from './source.js';
export { type TaskWorkloadOptions, taskWorkload } from './task-workload.js';
export { loadTokenTables, syntheticTokenTables, tokenTableFiles } from './token-tables.js';
export { summarizeArrivals, type TraceSummary } from './trace-summary.js';
export { TraceWorkload, traceArrivals, traceTokenTables } from './trace-workload.js';
export { TrainingWorkload, type TrainingWorkloadRng } from './training-workload.js';
