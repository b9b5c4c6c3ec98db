/** What activities need from the worker that hosts them: where files are, and the stage cache. */
import type { StageCache } from '../core/cache/index.js';
import type { WorkerNEnvs } from '../core/stages/train/index.js';

export interface ActivityDeps {
  /** Relative paths in workflow inputs resolve against this (the project root). */
  projectRoot: string;
  cache: StageCache;
  /** Environment for child processes this worker starts (CUDA_VISIBLE_DEVICES on GPU workers). */
  childEnv: Readonly<Record<string, string>>;
  /**
   * Environments for a training run that names none (GPU workers: `auto`, one per core; absent: the training
   * config's n_envs).
   */
  trainNEnvs?: WorkerNEnvs;
}
