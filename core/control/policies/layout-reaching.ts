/**
 * A static baseline from a layout that is not its own. In the reference's bench it starts in its layout and never
 * acts; from any other start (the training environment's random layouts, the bench's common start) "never act" is a
 * different, much worse policy (on the default bench trace from the RL policy's random layout it scores a reward of
 * −32,823 against +45.3). So this wrapper first drives each managed GPU to the static layout's state — in GPU order,
 * each decision the allowed reconfiguration straight to it, else the allowed one that brings the instance count
 * closest to it — and then defers to the baseline (NO_ACTION), which is what the baseline does from its layout.
 * Warm start clones it; the bench's common start (`--start common`) runs it.
 */
import { STATE_IDS, type StateId, stateActionIndex, stateLayout } from '../../mig/index.js';
import { type Policy, type PolicyContext, type PolicyFactory, RL_SEED_KEY } from './policy.js';

/**
 * The state a static baseline's layout gives a GPU (as core/sim's initial layout picks it: the first of the valid
 * states with the most instances for `split_extreme`, the fewest for `no_mig`).
 */
export function staticTargetState(
  validStates: readonly StateId[],
  mode: 'split_extreme' | 'no_mig',
): StateId {
  let best = validStates[0]!;
  for (const s of validStates) {
    const n = stateLayout(s).length;
    const b = stateLayout(best).length;
    if (mode === 'split_extreme' ? n > b : n < b) best = s;
  }
  return best;
}

/**
 * The action that moves managed GPU `g` toward `target` now: the allowed reconfiguration straight to it, else the
 * allowed one that brings the instance count closest to it; −1 when the GPU is there, is not managed, or no allowed
 * reconfiguration brings it nearer (cooldowns).
 */
export function stepTowardState(
  mask: Uint8Array,
  context: PolicyContext,
  g: number,
  target: StateId,
): number {
  const gpus = context.simulation.agentsEnumOrder.length;
  const current = context.cluster.gpuState(g);
  const spec = context.simulation.cluster[g];
  if (!spec?.managed || current < 0 || current === target) return -1;
  const direct = stateActionIndex(gpus, g, target);
  if (mask[direct] === 1) return direct;
  const want = stateLayout(target).length;
  let best = -1;
  let bestGap = Math.abs(stateLayout(current as StateId).length - want);
  for (const s of STATE_IDS) {
    const a = stateActionIndex(gpus, g, s);
    const gap = Math.abs(stateLayout(s).length - want);
    if (mask[a] === 1 && gap < bestGap) {
      best = a;
      bestGap = gap;
    }
  }
  return best;
}

/** The baseline, reaching its layout first; a policy that starts from random layouts is returned as it is. */
export function layoutReachingPolicy(base: Policy): Policy {
  if (base.initialMode === 'random') return base;
  const mode = base.initialMode;
  return {
    ...base,
    decide(observation, mask, context) {
      const gpus = context.simulation.agentsEnumOrder.length;
      for (let g = 0; g < gpus; g++) {
        const spec = context.simulation.cluster[g];
        if (!spec?.managed) continue;
        const a = stepTowardState(mask, context, g, staticTargetState(spec.validStates, mode));
        if (a >= 0) return a;
      }
      return base.decide(observation, mask, context);
    },
  };
}

/**
 * A policy started where an RL checkpoint starts under the bench's `own` rule (a random layout from the `rl` seed
 * key), a static baseline first reaching its layout. Under `own` a static baseline starts in its layout for free and
 * the RL policy does not, so this measures what that start alone costs a policy that decides as the baseline does:
 * bench:learn reports it beside the checkpoints (on the default trace static_split_extreme from the RL start has
 * Coding's mean TTFT 1.16 s against 0.56 s in place: the one restart of splitting the 7g GPU it starts on).
 */
export function fromRlStart(base: PolicyFactory): PolicyFactory {
  return () => ({ ...layoutReachingPolicy(base()), initialMode: 'random', seedKey: RL_SEED_KEY });
}
