/** Training in a run directory: implementation of `runTraining` (in progress). */
import { MigflowError } from '../../errors.js';
import type { RunTrainingOptions, RunTrainingResult } from './run-training.js';

export async function trainInRunDir(_options: RunTrainingOptions): Promise<RunTrainingResult> {
  throw new MigflowError('runTraining: the training loop is not implemented yet');
}
