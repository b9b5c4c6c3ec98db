/**
 * The LinUCB contextual-bandit baseline: at every decision the context is the observation an RL policy sees
 * (standardised by running statistics, as VecNormalize does while training when `sb3_norm` is on) plus a constant
 * bias feature, the arms are the 55 / 100 actions, the mask is respected (a masked action is never scored), and
 * after the step the training reward of that decision updates the chosen arm. It learns online within one trial
 * or deployment, starting from nothing, so it shows what a reward-driven policy gets without offline training.
 * Ties (every untried arm at first) are broken by a stream seeded with the trial's seed. α and λ come from the
 * bench config's `linucb` section.
 */
import { Mulberry32 } from '../../random/index.js';
import { Normalizer } from '../../rl/index.js';
import { LinUcbModel } from './linucb-model.js';
import type { Policy, PolicyContext } from './policy.js';

export interface LinUcbState {
  readonly model: LinUcbModel;
  /** Running observation statistics (null when `sb3_norm` is off: raw observations). */
  readonly normalizer: Normalizer | null;
  readonly ties: Mulberry32;
}

/** The context vector: the (normalised) observation and a trailing 1. */
export function linUcbContext(observation: Float32Array, normalizer: Normalizer | null): Float64Array {
  const x = new Float64Array(observation.length + 1);
  if (normalizer) {
    const z = normalizer.observe(observation);
    for (let i = 0; i < z.length; i++) x[i] = z[i]!;
  } else {
    for (let i = 0; i < observation.length; i++) x[i] = observation[i]!;
  }
  x[observation.length] = 1;
  return x;
}

/** The allowed arm with the highest bound; ties drawn uniformly from `ties`. Never a masked arm. */
export function chooseArm(
  model: LinUcbModel,
  x: ArrayLike<number>,
  mask: Uint8Array,
  ties: Mulberry32,
): number {
  let best = Number.NEGATIVE_INFINITY;
  const top: number[] = [];
  for (let arm = 0; arm < mask.length; arm++) {
    if (mask[arm] !== 1) continue;
    const p = model.score(arm, x);
    if (p > best) {
      best = p;
      top.length = 0;
      top.push(arm);
    } else if (p === best) top.push(arm);
  }
  // NO_ACTION (0) is always allowed, so `top` is never empty for a valid mask.
  if (top.length <= 1) return top[0] ?? 0;
  return top[Math.floor(ties.next() * top.length)]!;
}

function initialState(observationLength: number, actionCount: number, ctx: PolicyContext): LinUcbState {
  return {
    model: new LinUcbModel(observationLength + 1, actionCount, ctx.bench.linucb),
    normalizer: ctx.training.sb3Norm ? new Normalizer(observationLength) : null,
    ties: new Mulberry32(ctx.seed ?? 0),
  };
}

export const linUcb = (): Policy => {
  let state: LinUcbState | undefined;
  let pending: { readonly x: Float64Array; readonly arm: number } | undefined;
  return {
    name: 'linucb',
    runName: 'BASELINE_LINUCB',
    initialMode: 'random',
    decide(observation, mask, ctx) {
      state ??= initialState(observation.length, mask.length, ctx);
      const x = linUcbContext(observation, state.normalizer);
      const arm = chooseArm(state.model, x, mask, state.ties);
      pending = { x, arm };
      return arm;
    },
    learn(reward) {
      if (!state || !pending) return;
      state.model.update(pending.arm, pending.x, reward);
      pending = undefined;
    },
  };
};
