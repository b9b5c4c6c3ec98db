/**
 * A trained Maskable PPO checkpoint as a benchmark policy: the observation (with the time features its checkpoint
 * records, if any) is normalised with the checkpoint's
 * frozen statistics, invalid actions are masked, and the most probable action is taken (first index on ties).
 * Nothing is updated, so the same checkpoint on the same trace always decides the same way.
 */
import { basename, dirname, resolve } from 'node:path';
import { ConfigError } from '../../errors.js';
import { loadPolicyForInference } from '../../rl/index.js';
import { type Policy, type PolicyFactory, RL_SEED_KEY } from './policy.js';

/**
 * Output name of a checkpoint's trial: `<run>-<stem>` for `<run>/checkpoints/<stem>` (two runs' `rl_model_5120_steps`
 * must not overwrite each other's results), else the directory's own name.
 */
export function checkpointRunName(checkpointPath: string): string {
  const dir = resolve(checkpointPath);
  const stem = basename(dir);
  const parent = dirname(dir);
  return basename(parent) === 'checkpoints' ? `${basename(dirname(parent))}-${stem}` : stem;
}

/** Loads the checkpoint now (a bad path fails before any trial runs) and builds one policy per trial from it. */
export function rlCheckpointPolicy(checkpointPath: string): PolicyFactory {
  const inference = loadPolicyForInference(checkpointPath);
  const runName = checkpointRunName(checkpointPath);
  return (): Policy => ({
    name: `rl:${runName}`,
    runName,
    seedKey: RL_SEED_KEY,
    initialMode: 'random',
    // The trial builds the observation the checkpoint was trained on (with or without the time features).
    timeFeatures: inference.timeFeatures,
    decide(observation, mask) {
      if (observation.length !== inference.obsSize || mask.length !== inference.actionCount) {
        throw new ConfigError(
          checkpointPath,
          'obsSize',
          `was trained on ${inference.obsSize} observations and ${inference.actionCount} actions, but this simulation config gives ${observation.length} and ${mask.length}`,
          'benchmark it with the simulation config it was trained on (same agent count and arrival-rate history length), or train a new checkpoint',
        );
      }
      return inference.actDeterministic(observation, mask);
    },
  });
}
