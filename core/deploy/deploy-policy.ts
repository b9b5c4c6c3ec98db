/**
 * Which policy drives a deployment (`--policy`): `heuristic`, `qas` and `linucb` come from the benchmark's registry
 * (so a baseline added there plugs in here), `static-7g` / `static-2g` never act and fix the layout at state 1 / 12,
 * and anything else is an RL checkpoint path. Heuristic, QAS, LinUCB and RL start from a seeded random valid layout.
 * LinUCB learns from each window's reward (core/deploy/live-reward.ts) in the worker process that runs the
 * deployment; a new worker process starts learning afresh.
 */
import { existsSync } from 'node:fs';
import type { Policy } from '../control/index.js';
import { BASELINE_POLICIES, seededEnvRng } from '../control/index.js';
import { ConfigError } from '../errors.js';
import { type StateId, validStates } from '../mig/index.js';
import { loadPolicyForInference } from '../rl/index.js';
import { profilesOf } from './reconcile.js';

export interface DeployPolicy {
  name: string;
  /** Never acts: no decisions, no interval roll-over. */
  isStatic: boolean;
  /** Enforce transfer cooldowns in the mask (RL); the baselines ask with cooldowns ignored. */
  enforceCooldowns: boolean;
  initialStates(gpuModels: readonly string[], seed: number): StateId[];
  decide?: Policy['decide'];
  /** Online learners: the reward of the previous decision, given before the next `decide`. */
  learn?: Policy['learn'];
}

export const DEPLOY_POLICY_NAMES = ['heuristic', 'qas', 'static-7g', 'static-2g', 'linucb'] as const;
const REGISTRY_POLICIES: readonly string[] = ['heuristic', 'qas', 'linucb'];

function randomStates(models: readonly string[], seed: number): StateId[] {
  const rng = seededEnvRng(seed);
  return models.map((m) => {
    const valid = validStates(profilesOf(m));
    return valid[rng.choiceIndex(valid.length)]!;
  });
}

export function resolveDeployPolicy(name: string): DeployPolicy {
  if (name === 'static-7g' || name === 'static-2g') {
    const state: StateId = name === 'static-7g' ? 1 : 12;
    return {
      name,
      isStatic: true,
      enforceCooldowns: false,
      initialStates: (models) => models.map(() => state),
    };
  }
  if (REGISTRY_POLICIES.includes(name)) {
    const factory = BASELINE_POLICIES[name];
    if (!factory)
      throw new ConfigError(
        '--policy',
        name,
        `the ${name} baseline is not in the benchmark registry yet`,
        `use ${DEPLOY_POLICY_NAMES.join(', ')} or a checkpoint path`,
      );
    const p = factory();
    return {
      name,
      isStatic: false,
      enforceCooldowns: false,
      initialStates: randomStates,
      decide: (obs, mask, ctx) => p.decide(obs, mask, ctx),
      ...(p.learn ? { learn: (reward: number) => p.learn!(reward) } : {}),
    };
  }
  if (!existsSync(name))
    throw new ConfigError(
      '--policy',
      name,
      'not a policy name and no such checkpoint file',
      `use ${DEPLOY_POLICY_NAMES.join(', ')} or the path of a trained checkpoint`,
    );
  const rl = loadPolicyForInference(name);
  if (rl.timeFeatures) {
    // The live policy view (policy-view.ts) rebuilds the observation each window from what it scrapes and keeps no
    // clocks across windows (nor across a continue-as-new), so it cannot show this policy what it was trained on.
    throw new ConfigError(
      '--policy',
      name,
      'was trained with the observation time features (training.time_features.enabled: true), which a live deployment does not build',
      'deploy a checkpoint trained without training.time_features, or bench this one (migflow bench)',
    );
  }
  return {
    name,
    isStatic: false,
    enforceCooldowns: true,
    initialStates: randomStates,
    decide: (obs, mask) => rl.actDeterministic(obs, mask),
  };
}
