/**
 * Every activity, built from the worker's dependencies. Workflows proxy `ReturnType<typeof createActivities>` by type.
 * Activities stay thin: validate, cache, call core/, heartbeat, return a small summary.
 */
import { createBenchActivities } from './bench.js';
import { createDatasetActivities } from './dataset.js';
import { createDeployActivities } from './deploy.js';
import type { ActivityDeps } from './deps.js';
import { createPipelineActivities } from './pipeline.js';
import { createProfilingActivities } from './profiling.js';
import { createTrainActivities } from './train.js';

export type { ActivityDeps } from './deps.js';

export function createActivities(deps: ActivityDeps) {
  return {
    ...createDatasetActivities(deps),
    ...createBenchActivities(deps),
    ...createTrainActivities(deps),
    ...createProfilingActivities(deps),
    ...createDeployActivities(deps),
    ...createPipelineActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
