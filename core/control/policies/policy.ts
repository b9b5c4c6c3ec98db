/**
 * What a policy is: something that, at each decision point, picks one action index among those the mask allows.
 * Baselines read the cluster through the context's `ClusterView` (the simulator in a bench, the live cluster in a
 * deployment); RL checkpoints read the observation. Initial layout is part of the policy because the static
 * baselines differ only there.
 */
import type {
  ResolvedBenchConfig,
  ResolvedSimulationConfig,
  ResolvedTrainingConfig,
  TimeFeatureConfig,
} from '../../config/index.js';
import type { InitialLayoutMode } from '../../sim/index.js';
import type { ClusterView } from '../cluster-view.js';
import type { IdleClocks } from '../idle-clocks.js';

/** Everything a policy may read at a decision, besides the observation and the mask. */
export interface PolicyContext {
  readonly cluster: ClusterView;
  readonly simulation: ResolvedSimulationConfig;
  readonly training: ResolvedTrainingConfig;
  readonly bench: ResolvedBenchConfig;
  /** Decisions taken so far in this trial (0 at the first). */
  readonly step: number;
  /**
   * The trial's own seed (the bench: FNV-1a of the policy's seed key and the bench seed), for policies that draw
   * random numbers of their own (LinUCB's tie-breaks). Absent: 0.
   */
  readonly seed?: number;
  /**
   * The agents' idle clocks as the host keeps them, already brought to this decision (a deployment's, continued
   * across windows, continue-as-new and worker restarts in its clock state: core/deploy/deploy-observation.ts), for
   * a policy that `usesIdleClocks`. Absent (the bench, warm start): such a policy keeps its own.
   */
  readonly idleClocks?: IdleClocks;
}

/**
 * The seed key every RL checkpoint's trial uses (its random start layout and latency noise under the bench's `own`
 * rule): checkpoints are compared from one start.
 */
export const RL_SEED_KEY = 'rl';

export interface Policy {
  /** Registry name, e.g. `heuristic`. */
  readonly name: string;
  /** The reference's mode name, used in file names and banners, e.g. `BASELINE_HEURISTIC`. */
  readonly runName: string;
  /**
   * What seeds the trial's own random stream (default `name`). Every RL checkpoint uses one key, so checkpoints
   * are compared from the same starting layout and latency noise.
   */
  readonly seedKey?: string;
  /** How the managed GPUs start. */
  readonly initialMode: InitialLayoutMode;
  /**
   * The observation's time features this policy reads (an RL checkpoint's record; null = none), whatever the
   * trial's training config says. Absent: the training config's (`training.time_features`).
   */
  readonly timeFeatures?: TimeFeatureConfig | null;
  /**
   * Decides on the agents' idle clocks (core/control/idle-clocks.ts, at `training.time_features.idle_rate`): a host
   * that decides once per process lifetime, like a deployment, keeps them and passes `context.idleClocks`.
   */
  readonly usesIdleClocks?: boolean;
  /**
   * The action index to take now. `mask[i] === 1` marks allowed actions (cooldowns enforced); index 0
   * (NO_ACTION) is always allowed. Must return an allowed index.
   */
  decide(observation: Float32Array, mask: Uint8Array, context: PolicyContext): number;
  /**
   * Called once after each decision's step with the training reward that decision earned (core/control/reward.ts:
   * it scores the interval that followed the action). Online learners update on it; fixed policies leave it out.
   */
  learn?(reward: number): void;
}

/** Builds a fresh policy for one trial (policies may keep per-trial state, e.g. a normaliser). */
export type PolicyFactory = () => Policy;
