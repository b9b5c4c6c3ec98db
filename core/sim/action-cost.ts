/**
 * The predicted cost of an action in seconds (spec §2.9): drain + restart; a split waits for its slowest target
 * to boot, a merge for its slowest source to drain. Every call draws afresh for busy engines, as the reference's
 * masks and charges do.
 */
import { MigflowError } from '../errors.js';
import { ReconfigKind } from './constants.js';
import { predictDrainS } from './engine-step.js';
import type { SimEngine } from './entities/engine.js';
import type { SimAction } from './reconfig-plan.js';
import type { SimState } from './state.js';

export function predictActionCostS(state: SimState, action: SimAction): number {
  const layout = state.gpuEngines(action.gpu);
  const source = (idx: number): SimEngine => {
    const e = layout[idx];
    if (e === undefined) {
      throw new MigflowError(`GPU ${action.gpu}: no engine at MIG index ${idx} for a ${action.kind}`);
    }
    return e;
  };
  const targetProfiles = state.cluster.states.profilesOf(action.targetStateId);
  switch (action.kind) {
    case ReconfigKind.Transfer: {
      const e = source(action.sources[0]!);
      const receiver = state.requireReceiver(action);
      const bootS = state.cluster.engineParams(receiver, action.gpu, e.logical).restartTimeS;
      return predictDrainS(e, state.rng) + bootS;
    }
    case ReconfigKind.Split: {
      const e = source(action.sources[0]!);
      const drainS = predictDrainS(e, state.rng);
      let bootS = 0;
      for (const t of action.targets) {
        const r = state.cluster.engineParams(e.owner, action.gpu, targetProfiles[t]!).restartTimeS;
        if (r > bootS) bootS = r;
      }
      return drainS + bootS;
    }
    case ReconfigKind.Merge: {
      const sources = action.sources.map(source);
      if (sources.length === 0) return 0;
      let drainS = 0;
      for (const e of sources) {
        const d = predictDrainS(e, state.rng);
        if (d > drainS) drainS = d;
      }
      const merged = targetProfiles[action.targets[0]!]!;
      return drainS + state.cluster.engineParams(sources[0]!.owner, action.gpu, merged).restartTimeS;
    }
  }
}
