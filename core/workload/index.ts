/**
 * The arrival workload: Delta-HPC's `RequestLoader` ported draw for draw on the CPython-exact stream
 * (`core/random`), pattern ranges from the bench or training config, and trace fingerprints.
 */

export { concatArrivals, toArrivalColumns, toArrivalSpecs } from './arrival-specs.js';
export { benchPatternRanges, trainingPatternRanges } from './pattern-ranges.js';
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
export { summarizeArrivals, type TraceSummary } from './trace-summary.js';
