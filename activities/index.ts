/**
 * Every activity, built from the worker's dependencies; `contracts/temporal`'s `Activities` is their signature
 * (what workflows proxy). Activities stay thin: validate, cache, call core/, heartbeat, return a small summary.
 */
import type { Activities } from '../contracts/temporal/index.js';
import type { DeployState } from '../core/deploy/index.js';
import { createBenchActivities } from './bench.js';
import { createDatasetActivities } from './dataset.js';
import { createDeployActivities } from './deploy.js';
import type { ActivityDeps } from './deps.js';
import { createPipelineActivities } from './pipeline.js';
import { createProfilingActivities } from './profiling.js';
import { createSearchActivities } from './search.js';
import { createTrainActivities } from './train.js';
import { createValidateActivities } from './validate.js';

export type { ActivityDeps } from './deps.js';

export function createActivities(deps: ActivityDeps): Activities<DeployState> {
  return {
    ...createDatasetActivities(deps),
    ...createBenchActivities(deps),
    ...createTrainActivities(deps),
    ...createProfilingActivities(deps),
    ...createDeployActivities(deps),
    ...createPipelineActivities(deps),
    ...createSearchActivities(deps),
    ...createValidateActivities(deps),
  };
}
