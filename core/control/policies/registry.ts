/**
 * Policy names the bench accepts and how to build each. Adding a baseline is one file under `policies/` plus
 * one entry here; RL checkpoints are added by the caller through `extra` (the PPO helper's loader builds a
 * `Policy` whose `decide` normalises the observation with frozen statistics, masks and takes the argmax).
 */
import { BaselinePolicy } from '../../../contracts/index.js';
import { ConfigError } from '../../errors.js';
import { heuristic } from './heuristic.js';
import { idleMerge } from './idle-merge.js';
import { linUcb } from './linucb.js';
import type { PolicyFactory } from './policy.js';
import { qas } from './qas.js';
import { staticNoMig, staticSplitExtreme } from './static.js';

export const BASELINE_POLICIES: Readonly<Record<string, PolicyFactory>> = {
  static_no_mig: staticNoMig,
  static_split_extreme: staticSplitExtreme,
  heuristic,
  qas,
  linucb: linUcb,
  idle_merge: () => idleMerge(),
};

/** What `all` expands to, in the reference's order: the contracts' baselines. */
export const ALL_BASELINES: readonly string[] = BaselinePolicy.options;

/**
 * Expands `all`, keeps duplicates and order (as the reference does) and rejects unknown names.
 * `extra` adds named factories (RL checkpoints) that are looked up first.
 */
export function resolvePolicies(
  names: readonly string[],
  extra: Readonly<Record<string, PolicyFactory>> = {},
): PolicyFactory[] {
  const out: PolicyFactory[] = [];
  for (const name of names) {
    if (name === 'all') {
      for (const b of ALL_BASELINES) out.push(BASELINE_POLICIES[b]!);
      continue;
    }
    const f = extra[name] ?? BASELINE_POLICIES[name];
    if (!f) {
      throw new ConfigError(
        '--bl',
        name,
        'unknown benchmark policy',
        `use one of ${[...Object.keys(BASELINE_POLICIES), 'all'].join(', ')}`,
      );
    }
    out.push(f);
  }
  if (out.length === 0) {
    throw new ConfigError('--bl', '', 'no benchmark to run', 'name at least one policy, e.g. --bl all');
  }
  return out;
}
