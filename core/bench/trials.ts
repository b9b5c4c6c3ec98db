/**
 * Which trials a bench run has, in the reference's order: one RL trial per checkpoint in the order given, then the
 * baselines in `--bl` order (`all` expanded, duplicates kept). Also finds the newest periodic checkpoint of every
 * training run under a folder (the reference's scripts/get_latest_ckpts.py), for "benchmark the latest of each".
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { checkpointSteps } from '../../contracts/index.js';
import type { PolicyFactory } from '../control/index.js';
import { resolvePolicies, rlCheckpointPolicy } from '../control/index.js';
import { MigflowError } from '../errors.js';

/**
 * The trials of a bench run as the bench stage takes them (`rl` + checkpoint, or a baseline's name), in the same
 * order, checked now: every name known, every checkpoint loadable, before any trial runs.
 */
export function benchTrials(
  checkpoints: readonly string[],
  baselines: readonly string[],
): { policy: string; checkpoint?: string }[] {
  const factories = resolveTrials(checkpoints, baselines);
  return [
    ...checkpoints.map((checkpoint) => ({ policy: 'rl', checkpoint })),
    ...factories.slice(checkpoints.length).map((f) => ({ policy: f().name })),
  ];
}

export function resolveTrials(checkpoints: readonly string[], baselines: readonly string[]): PolicyFactory[] {
  if (checkpoints.length === 0 && baselines.length === 0) {
    throw new MigflowError('No benchmark to run. Use --ckpt for RL and --bl for baselines.');
  }
  return [
    ...checkpoints.map(rlCheckpointPolicy),
    ...(baselines.length > 0 ? resolvePolicies(baselines) : []),
  ];
}

/**
 * For every run folder `<root>/<run>/checkpoints/`, the `rl_model_<N>_steps` with the largest N (the final
 * checkpoint and other names are ignored), runs sorted by folder name as strings.
 */
export function latestCheckpoints(root: string): string[] {
  if (!existsSync(root)) return [];
  const out: string[] = [];
  const runs = readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const run of runs) {
    const dir = join(root, run, 'checkpoints');
    if (!existsSync(dir)) continue;
    let best: { steps: number; name: string } | undefined;
    for (const d of readdirSync(dir, { withFileTypes: true })) {
      const steps = d.isDirectory() ? checkpointSteps(d.name) : null;
      if (steps !== null && (!best || steps > best.steps)) best = { steps, name: d.name };
    }
    if (best) out.push(join(dir, best.name));
  }
  return out;
}
