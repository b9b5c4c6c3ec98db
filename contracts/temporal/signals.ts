/** Every signal and query migflow's workflows handle, defined once for the workflows and their clients. */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type {
  DeployStatus,
  GridSearchStatus,
  SearchStatus,
  SearchTrialProgress,
  TrainProgress,
} from '../index.js';

/** The trainPolicy activity reports progress to its TrainWorkflow (a few seconds apart, and at every checkpoint). */
export const trainProgressSignal = defineSignal<[TrainProgress]>('trainProgress');
/** Current progress of a TrainWorkflow (the CLI's progress bar). */
export const trainProgressQuery = defineQuery<TrainProgress>('trainProgress');
/** Every trial of a GridSearchWorkflow: params, status, GPU, reward, checkpoints. */
export const gridStatusQuery = defineQuery<GridSearchStatus>('gridStatus');
/** A search's TrainWorkflow forwards its activity's progress to the SearchWorkflow (the pruner's input). */
export const searchTrialProgressSignal = defineSignal<[SearchTrialProgress]>('searchTrialProgress');
/** Every trial of a SearchWorkflow: values, status, curve, rung values, result. */
export const searchStatusQuery = defineQuery<SearchStatus>('searchStatus');

/** Ends a live deployment: engines are drained and removed, MIG instances destroyed, the report written. */
export const deployStopSignal = defineSignal('deployStop');
/** Switches a live deployment's policy from the next decision on. */
export const deploySwitchPolicySignal = defineSignal<[string]>('deploySwitchPolicy');
export const deployStatusQuery = defineQuery<DeployStatus>('deployStatus');
