/**
 * A pre-training sanity check of the environment (in the spirit of SB3's env checker): shapes, finiteness,
 * the decision clock, the mask's invariants and the reward's floor, over a short run with random valid actions.
 * Throws a MigflowError naming the first broken invariant.
 */
import { MigflowError } from '../errors.js';
import { NO_ACTION } from '../mig/index.js';
import type { MigEnv } from './env.js';
import type { EnvRng } from './env-rng.js';

export interface CheckEnvReport {
  readonly steps: number;
  readonly actionsTaken: number;
  readonly minReward: number;
  readonly maxReward: number;
}

function fail(what: string): never {
  throw new MigflowError(`environment check failed: ${what}`);
}

/** Resets `env` and takes up to `steps` random valid actions drawn from `rng`, checking every result. */
export function checkEnv(env: MigEnv, rng: EnvRng, steps = 20): CheckEnvReport {
  const intervalS = env.sim.actionIntervalS;
  const { observation, info } = env.reset();
  if (observation.length !== env.observationLength)
    fail(`observation has ${observation.length} floats, not ${env.observationLength}`);
  if (!observation.every(Number.isFinite)) fail('the first observation holds a non-finite value');
  if (info.timeS !== intervalS) fail(`the first observation is at t = ${info.timeS}, not ${intervalS}`);
  let minReward = Number.POSITIVE_INFINITY;
  let maxReward = Number.NEGATIVE_INFINITY;
  let actionsTaken = 0;
  let t = info.timeS;
  const n = Math.min(steps, env.episodeLength);
  for (let k = 0; k < n; k++) {
    const mask = env.actionMasks();
    if (mask.length !== env.actionCount) fail(`mask has ${mask.length} entries, not ${env.actionCount}`);
    if (mask[NO_ACTION] !== 1) fail(`NO_ACTION is masked at t = ${t}`);
    if (env.sim.metrics.reconfigFlag && mask.some((v, i) => i !== NO_ACTION && v === 1)) {
      fail(`an action other than NO_ACTION is allowed while a reconfiguration is in flight at t = ${t}`);
    }
    const valid: number[] = [];
    mask.forEach((v, i) => {
      if (v === 1) valid.push(i);
    });
    const action = valid[rng.choiceIndex(valid.length)]!;
    if (action !== NO_ACTION) actionsTaken++;
    const r = env.step(action);
    if (r.observation.length !== env.observationLength)
      fail(`step ${k} returned ${r.observation.length} floats`);
    if (!r.observation.every(Number.isFinite)) fail(`step ${k} returned a non-finite observation value`);
    if (!Number.isFinite(r.reward)) fail(`step ${k} returned reward ${r.reward}`);
    if (r.reward < env.rewardFloor)
      fail(`step ${k} reward ${r.reward} is below the clipping floor ${env.rewardFloor}`);
    if (r.info.timeS !== t + intervalS)
      fail(`step ${k} ended at t = ${r.info.timeS}, expected ${t + intervalS}`);
    if (r.terminated !== env.episodeStep >= env.episodeLength) fail(`step ${k} terminated = ${r.terminated}`);
    t = r.info.timeS;
    minReward = Math.min(minReward, r.reward);
    maxReward = Math.max(maxReward, r.reward);
  }
  const invalid = env.actionMasks().indexOf(0);
  if (invalid >= 0) {
    let threw = false;
    try {
      env.step(invalid);
    } catch {
      threw = true;
    }
    if (!threw) fail(`masked action ${invalid} was accepted`);
  }
  return { steps: n, actionsTaken, minReward, maxReward };
}
