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
}

export interface VecEnv {
  readonly numEnvs: number;
  readonly observationLength: number;
  readonly actionCount: number;
  /** Resets the listed environments, each with its own reset index; results in request order. */
  reset(
    requests: readonly { readonly env: number; readonly resetIndex: number }[],
  ): Promise<EnvResetResult[]>;
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
  return {
    observation: r.observation,
    reward: r.reward,
    terminated: r.terminated,
    truncated,
    ...(done ? {} : { mask: env.actionMasks().slice() }),
    ...(log === undefined ? {} : { log }),
  };
}

/** Resets one environment and reads its first mask. */
export function resetTrainEnv(env: TrainEnv, resetIndex: number): EnvResetResult {
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

  async reset(requests: readonly { env: number; resetIndex: number }[]): Promise<EnvResetResult[]> {
    return requests.map((r) => resetTrainEnv(this.envs[r.env]!, r.resetIndex));
  }

  async step(actions: Int32Array): Promise<EnvStepResult[]> {
    return this.envs.map((env, e) => stepTrainEnv(env, actions[e]!));
  }

  async close(): Promise<void> {}
}
