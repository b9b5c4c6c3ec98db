/**
 * How many environments a training run steps in parallel when the user says `auto`: one per core the process may
 * use, at most AUTO_N_ENVS_CAP. Each environment is a worker thread running the simulator, and during the update the
 * same thread computes one gradient shard, so environments beyond the core count only queue for the cores. The cap
 * keeps the rollout (n_steps × n_envs transitions; 16,384 at the default n_steps and the cap) — and with it the
 * number of env steps between two PPO updates — within 8× the reference's, and the worker threads' memory (one
 * simulator and one tfjs replica each, ~150 MiB) modest on a large GPU host.
 */
import { availableParallelism } from 'node:os';

export const AUTO_N_ENVS_CAP = 8;

/** `auto`'s environment count for a machine with `cores` usable cores. */
export function autoNEnvs(cores: number = availableParallelism()): number {
  return Math.max(1, Math.min(AUTO_N_ENVS_CAP, Math.floor(cores)));
}

/** Parses `N` or `auto` (as `--n-envs` takes it); undefined when the text is neither. */
export function parseNEnvs(text: string, cores?: number): number | undefined {
  if (text.trim().toLowerCase() === 'auto') return autoNEnvs(cores);
  const n = Number(text);
  return Number.isInteger(n) && n >= 1 ? n : undefined;
}

/**
 * What a GPU worker does with a training run that names no environment count: `auto` (the default) steps one
 * environment per core of the worker (`autoNEnvs`), a number steps that many, `config` keeps the training config's
 * `n_envs` (as `migflow train` does locally).
 */
export type WorkerNEnvs = number | 'auto' | 'config';

/** Parses a worker's `--n-envs` (`N`, `auto` or `config`); undefined when the text is none of them. */
export function parseWorkerNEnvs(text: string): WorkerNEnvs | undefined {
  const t = text.trim().toLowerCase();
  if (t === 'auto' || t === 'config') return t;
  const n = Number(t);
  return Number.isInteger(n) && n >= 1 ? n : undefined;
}

/**
 * The environment count a run on a GPU worker gets, to be set as the `training.PPO.n_envs` override (undefined: the
 * training config's value). The run's own choice wins — its `nEnvs` input (`auto` = this worker's cores), then an
 * explicit `training.PPO.n_envs` override — and only a run that names none gets the worker's default. The number
 * that will run is what goes into the overrides, so the cache key holds it.
 */
export function runNEnvs(o: {
  readonly requested: number | 'auto' | undefined;
  readonly overrides: Readonly<Record<string, unknown>>;
  readonly workerDefault: WorkerNEnvs;
  readonly cores?: number;
}): number | undefined {
  if (o.requested !== undefined) return o.requested === 'auto' ? autoNEnvs(o.cores) : o.requested;
  if (Object.hasOwn(o.overrides, 'training.PPO.n_envs')) return undefined;
  if (o.workerDefault === 'config') return undefined;
  return o.workerDefault === 'auto' ? autoNEnvs(o.cores) : o.workerDefault;
}
