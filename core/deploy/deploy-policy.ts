/**
 * Which policy drives a deployment (`--policy`): `heuristic`, `qas`, `linucb` and `idle_merge` come from the
 * benchmark's registry (so a baseline added there plugs in here), `static-7g` / `static-2g` never act and fix the
 * layout at state 1 / 12, and anything else is an RL checkpoint path. All but the static ones start from a seeded
 * random valid layout. LinUCB learns from each window's reward (core/deploy/live-reward.ts) in the worker process
 * that runs the deployment; a new worker process starts learning afresh. A checkpoint trained with the observation
 * clocks (`training.time_features`) decides on them too: the deployment keeps their state in its own
 * (deploy-observation.ts). idle_merge decides on their idle part, so it is deployed with the clocks on (the training
 * config's, or its idle rate with the default scale and cap, which only shape features it does not read): its clock
 * survives windows, continue-as-new and worker restarts by that same path. Its hold is the bench config's
 * `idle_merge.hold_s` (as in `migflow bench`).
 */
import { existsSync } from 'node:fs';
import type { TimeFeatureConfig } from '../../contracts/index.js';
import { type ResolvedTrainingConfig, TIME_FEATURE_DEFAULTS } from '../config/index.js';
import type { Policy } from '../control/index.js';
import { BASELINE_POLICIES, observationLayout, seededEnvRng } from '../control/index.js';
import { ConfigError } from '../errors.js';
import { actionCount, type StateId, validStates } from '../mig/index.js';
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
  /** A checkpoint's: the observation clocks it was trained with (its observation has them appended). */
  timeFeatures?: TimeFeatureConfig;
  /** A checkpoint's: the observation and action sizes it was trained on. */
  sizes?: { obsSize: number; actionCount: number };
}

export const DEPLOY_POLICY_NAMES = [
  'heuristic',
  'qas',
  'static-7g',
  'static-2g',
  'linucb',
  'idle_merge',
] as const;
const REGISTRY_POLICIES: readonly string[] = ['heuristic', 'qas', 'linucb', 'idle_merge'];

function randomStates(models: readonly string[], seed: number): StateId[] {
  const rng = seededEnvRng(seed);
  return models.map((m) => {
    const valid = validStates(profilesOf(m));
    return valid[rng.choiceIndex(valid.length)]!;
  });
}

/**
 * `training`: the deployment's training config, which a policy that decides on the idle clocks (idle_merge) takes
 * its idle rate from; required for it.
 */
export function resolveDeployPolicy(name: string, training?: ResolvedTrainingConfig): DeployPolicy {
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
    if (p.usesIdleClocks && !training)
      throw new RangeError(
        `resolveDeployPolicy: ${name} decides on the idle clocks and needs the training config`,
      );
    return {
      name,
      isStatic: false,
      enforceCooldowns: false,
      initialStates: randomStates,
      decide: (obs, mask, ctx) => p.decide(obs, mask, ctx),
      ...(p.learn ? { learn: (reward: number) => p.learn!(reward) } : {}),
      ...(p.usesIdleClocks && training ? { timeFeatures: idleClockFeatures(training) } : {}),
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
  return {
    name,
    isStatic: false,
    enforceCooldowns: true,
    initialStates: randomStates,
    decide: (obs, mask) => rl.actDeterministic(obs, mask),
    ...(rl.timeFeatures ? { timeFeatures: rl.timeFeatures } : {}),
    sizes: { obsSize: rl.obsSize, actionCount: rl.actionCount },
  };
}

/** The observation clocks a deployment keeps for a policy that decides on their idle part. */
function idleClockFeatures(training: ResolvedTrainingConfig): TimeFeatureConfig {
  return training.timeFeatures ?? { idleRateReqS: training.idleRateReqS, ...TIME_FEATURE_DEFAULTS };
}

/**
 * Refuses, before anything is started, a checkpoint whose observation or action count is not the one this
 * deployment builds (its agent count, the training config's arrival-rate history length, the clocks it records):
 * otherwise it would fail only at the first decision, after the engines had booted.
 */
export function checkDeployPolicyFits(policy: DeployPolicy, agentCount: number, historyLength: number): void {
  if (!policy.sizes) return;
  const obsSize = observationLayout(agentCount, historyLength, policy.timeFeatures !== undefined).length;
  const actions = actionCount(agentCount);
  const { sizes } = policy;
  if (sizes.obsSize === obsSize && sizes.actionCount === actions) return;
  throw new ConfigError(
    '--policy',
    policy.name,
    `was trained on ${sizes.obsSize} observations and ${sizes.actionCount} actions, but this deployment (${agentCount} agents, arrival-rate history ${historyLength}${policy.timeFeatures ? ', with the observation clocks the checkpoint records' : ''}) gives ${obsSize} and ${actions}`,
    'deploy it with the agents and training config it was trained on, or train a checkpoint for this deployment',
  );
}
