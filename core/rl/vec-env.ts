/**
 * Several environments stepped together (SB3's VecEnv, without auto-reset): the trainer resets the ones whose
 * episode ended at the start of the next step, asks all of them for one step with one action each, and reads back
 * each environment's observation, reward, end flag, the mask for its next decision and its step-log line.
 * `InProcessVecEnv` runs them in this thread one after another; `WorkerVecEnv` (vec-env-workers.ts) runs each in a
 * worker thread of its own, in parallel, and lends those threads to the data-parallel update as gradient shards.
 */
import type { GradientShards } from './sharded-update.js';

/** One environment as the trainer drives it (MigEnv behind a seeding wrapper fits). */
export interface TrainEnv {
  readonly observationLength: number;
  readonly actionCount: number;
  /**
   * Starts an episode. `resetIndex` counts this environment's resets over the whole run (0 first, continuing
   * across resumes), so an env can reseed its own random stream from it: that makes every episode's draws a function
   * of the run seed, the environment and the index, and a resumed run draws what the uninterrupted one would have.
   */
  reset(resetIndex: number): { observation: Float32Array };
  actionMasks(): Uint8Array;
  step(action: number): {
    observation: Float32Array;
    reward: number;
    terminated: boolean;
    truncated?: boolean;
  };
  /** The per-step log line of the step just taken (read before the next mask); undefined = no step log. */
  describeStep?(action: number, reward: number): unknown;
  /**
   * The state this environment carries from one episode into the next (the simulator keeps its arrival-rate history
   * and last downtime across resets, as the reference does), read after an episode ended; undefined = none. A
   * checkpoint stores it, so that a resumed run's next episode starts from what the uninterrupted run's does.
   */
  carriedState?(): Float64Array;
  /** Puts back a state `carriedState` gave (before a reset): a fresh environment then continues an earlier one. */
  restoreCarriedState?(state: Float64Array): void;
}

export interface EnvResetResult {
  readonly observation: Float32Array;
  /** The mask for the episode's first decision (a copy). */
  readonly mask: Uint8Array;
}

export interface EnvStepResult {
  readonly observation: Float32Array;
  readonly reward: number;
  readonly terminated: boolean;
  readonly truncated: boolean;
  /** The mask for the next decision (a copy); absent when the episode ended. */
  readonly mask?: Uint8Array;
  /** The step-log line, when the environment writes one. */
  readonly log?: unknown;
  /** When the episode ended: what the environment carries into its next one (TrainEnv.carriedState), if anything. */
  readonly carried?: Float64Array;
}

/** Which environment to reset, its reset index, and (on the first reset after a resume) the state to carry in. */
export interface EnvResetRequest {
  readonly env: number;
  readonly resetIndex: number;
  /** TrainEnv.carriedState of the run's environment before the resume, put back before this reset. */
  readonly carried?: Float64Array;
}

export interface VecEnv {
  readonly numEnvs: number;
  readonly observationLength: number;
  readonly actionCount: number;
  /** Resets the listed environments, each with its own reset index; results in request order. */
  reset(requests: readonly EnvResetRequest[]): Promise<EnvResetResult[]>;
  /** One step of every environment with `actions[e]`; results in env order. */
  step(actions: Int32Array): Promise<EnvStepResult[]>;
  /** Threads that can compute gradient shards of the update, when the environments run on them. */
  readonly gradientShards?: GradientShards;
  close(): Promise<void>;
}

/** Steps one environment: its result, step log and next mask, in the order the trainer relies on. */
export function stepTrainEnv(env: TrainEnv, action: number): EnvStepResult {
  const r = env.step(action);
  const truncated = r.truncated === true;
  const done = r.terminated || truncated;
  // The log reads the simulator right after the step; the mask draws from the env stream, so it comes after.
  const log = env.describeStep?.(action, r.reward);
  const carried = done ? env.carriedState?.() : undefined;
  return {
    observation: r.observation,
    reward: r.reward,
    terminated: r.terminated,
    truncated,
    ...(done ? {} : { mask: env.actionMasks().slice() }),
    ...(log === undefined ? {} : { log }),
    ...(carried === undefined ? {} : { carried }),
  };
}

/** Resets one environment (after putting back a carried state, when given) and reads its first mask. */
export function resetTrainEnv(env: TrainEnv, resetIndex: number, carried?: Float64Array): EnvResetResult {
  if (carried) {
    if (!env.restoreCarriedState) {
      throw new Error(
        'the checkpoint holds state carried across episodes, but this environment cannot take it back (no restoreCarriedState)',
      );
    }
    env.restoreCarriedState(carried);
  }
  const { observation } = env.reset(resetIndex);
  return { observation, mask: env.actionMasks().slice() };
}

/** The environments in this thread, stepped one after another. */
export class InProcessVecEnv implements VecEnv {
  readonly numEnvs: number;
  readonly observationLength: number;
  readonly actionCount: number;

  constructor(readonly envs: readonly TrainEnv[]) {
    if (envs.length === 0) throw new Error('InProcessVecEnv needs at least one environment');
    this.numEnvs = envs.length;
    this.observationLength = envs[0]!.observationLength;
    this.actionCount = envs[0]!.actionCount;
  }

  async reset(requests: readonly EnvResetRequest[]): Promise<EnvResetResult[]> {
    return requests.map((r) => resetTrainEnv(this.envs[r.env]!, r.resetIndex, r.carried));
  }

  async step(actions: Int32Array): Promise<EnvStepResult[]> {
    return this.envs.map((env, e) => stepTrainEnv(env, actions[e]!));
  }

  async close(): Promise<void> {}
}
