/**
 * The Temporal half of the contracts: task queues, search attributes, signals and queries, retry profiles, input
 * validation that fails as a non-retryable ConfigError, and the signatures of every activity and workflow. Safe in
 * the workflow sandbox; core never imports it (core knows no Temporal).
 */
export type { Activities } from './activities.js';
export {
  GPU,
  gpuTaskQueue,
  MAIN_TASK_QUEUE,
  RUN_ID,
  runTags,
  SEARCH_ATTRIBUTES,
  STAGE,
  TRIAL,
} from './names.js';
export { BOOKKEEPING_RETRY, DATASET_RETRY, liveRetry, QUICK_RETRY, trainingRetry } from './retry.js';
export {
  deployStatusQuery,
  deployStopSignal,
  deploySwitchPolicySignal,
  gridStatusQuery,
  searchStatusQuery,
  searchTrialProgressSignal,
  trainProgressQuery,
  trainProgressSignal,
} from './signals.js';
export { validateInput } from './validate.js';
export * from './workflows.js';
