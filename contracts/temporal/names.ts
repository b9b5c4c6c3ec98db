/**
 * Names shared by workflows, activities, workers, the CLI and tests: task queues and search-attribute keys, and how
 * a run's workflows are tagged with them. Safe inside the workflow sandbox (only @temporalio/common definitions).
 */
import { defineSearchAttributeKey, type SearchAttributePair } from '@temporalio/common';
import type { Stage } from '../index.js';

/** The orchestration/CPU task queue: every workflow and the CPU stages. */
export const MAIN_TASK_QUEUE = 'migflow';

/** The task queue of the worker pinned to GPU `index` (`migflow-gpu-<N>`). */
export function gpuTaskQueue(index: number): string {
  return `migflow-gpu-${index}`;
}

/** Stage of the pipeline a workflow (or the current step of one) belongs to: datasets, profiling, fit, train, … */
export const STAGE = defineSearchAttributeKey('MigflowStage', 'KEYWORD');
/** The user-visible run id: the same for every workflow started for one run (pipeline id or a standalone run). */
export const RUN_ID = defineSearchAttributeKey('MigflowRunId', 'KEYWORD');
/** Grid-search trial id (a short hash of the trial's parameters). */
export const TRIAL = defineSearchAttributeKey('MigflowTrial', 'KEYWORD');
/** GPU task queue a workflow's heavy work runs on. */
export const GPU = defineSearchAttributeKey('MigflowGpu', 'KEYWORD');

/** Every custom search attribute, as `temporal server start-dev --search-attribute Name=Type` expects them. */
export const SEARCH_ATTRIBUTES: Readonly<Record<string, 'Keyword'>> = {
  MigflowStage: 'Keyword',
  MigflowRunId: 'Keyword',
  MigflowTrial: 'Keyword',
  MigflowGpu: 'Keyword',
};

/**
 * The search attributes of a workflow of `stage` in run `runId` (and, where it has them, its GPU queue and grid
 * trial): what a workflow upserts for itself and what its starter (a parent workflow or the CLI) sets at start.
 */
export function runTags(t: {
  stage: Stage;
  runId: string;
  gpuQueue?: string;
  trial?: string;
}): SearchAttributePair[] {
  return [
    { key: STAGE, value: t.stage },
    { key: RUN_ID, value: t.runId },
    ...(t.gpuQueue !== undefined ? [{ key: GPU, value: t.gpuQueue }] : []),
    ...(t.trial !== undefined ? [{ key: TRIAL, value: t.trial }] : []),
  ];
}
