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
