/** The train stage's input, and what its child process (./train-child.ts) is given and reports when stopped. */
import type { WarmStartTeacher } from '../../../contracts/index.js';

/** One training run (paths absolute, or relative to the working directory). */
export interface TrainRunInput {
  readonly trainingConfig: string;
  readonly simulationConfig: string;
  /** Dotted paths from the training YAML's root (`training.PPO.n_steps`), applied before validation. */
  readonly overrides: Readonly<Record<string, unknown>>;
  readonly seed: number;
  /** Env steps of the whole run; default the config's `total_timesteps`. */
  readonly totalSteps?: number;
  /** Checkpoint cadence in env steps; default 5120 (the reference's). */
  readonly checkpointEverySteps?: number;
  /** Seeded synthetic token lengths instead of the profiling stage's generated JSONLs. */
  readonly syntheticTokens: boolean;
  /** A checkpoint directory (`…/rl_model_<N>_steps`) to continue from. */
  readonly resumeFrom?: string;
  /** Write the reference's per-step episode logs (default true). */
  readonly stepLogs?: boolean;
  /** A task file of the suite (configs/tasks/<name>.yaml) whose traffic every episode draws from. */
  readonly task?: string;
  /** Clone this baseline into the policy before PPO starts (./warm-start.ts); not on a resume. */
  readonly warmStart?: WarmStartTeacher;
  /** Teacher decisions to clone (default DEFAULT_WARM_START_STEPS). */
  readonly warmStartSteps?: number;
  /** DAgger rounds after the first clone (default 0, ./warm-start.ts). */
  readonly warmStartRounds?: number;
  /** The bench config whose heuristic/QAS settings the teacher uses (default configs/bench_config.yaml). */
  readonly benchConfig?: string;
}

export type TrainChildArgs = TrainRunInput & { readonly runDir: string };

/** What a stopped run saved, as the parent hears it. */
export interface TrainStopDetails {
  readonly checkpoint?: string;
}
