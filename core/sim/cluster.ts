/**
 * Which engine sits at which MIG index of each GPU. The GPU's state is never stored: it is recomputed
 * from the multiset of its engines' logical profiles (draining and unused engines included), taking the
 * first state id in ascending order with that multiset — so 10 reads as 9, 14 as 13, 16 and 17 as 15 —
 * and engines are then re-laid-out into that state's tuple.
 */
import { GeometryError } from '../errors.js';
import { LOGICAL_PROFILE_COUNT, MAX_MIG_INDEX } from './constants.js';
import type { SimEngine } from './entities/engine.js';
import type { GeometryStates } from './ports.js';

/** A multiset of logical profiles as one number: base-8 digit per profile count (≤ 7 instances). */
function signatureOf(profiles: Iterable<number>): number {
  let sig = 0;
  for (const p of profiles) sig += 8 ** p;
  return sig;
}

export class GeometryIndex {
  private readonly bySignature = new Map<number, number>();

  constructor(readonly states: GeometryStates) {
    const ids = [...states.stateIds].sort((a, b) => a - b);
    for (const id of ids) {
      const sig = signatureOf(states.profilesOf(id));
      if (!this.bySignature.has(sig)) this.bySignature.set(sig, id);
    }
    if (LOGICAL_PROFILE_COUNT > 8) throw new Error('signature base too small');
  }

  /** The reported state of a GPU holding these engines, or undefined when no state has their multiset. */
  identify(engines: readonly SimEngine[], gpu: number): number | undefined {
    let sig = 0;
    let any = false;
    for (const e of engines) {
      if (e.gpu !== gpu) continue;
      sig += 8 ** e.logical;
      any = true;
    }
    return any ? this.bySignature.get(sig) : undefined;
  }
}

/** Marks indices above the pivot (the physical shift of later instances) and the target indices as free. */
export function invalidateIndices(
  engines: readonly SimEngine[],
  gpu: number,
  pivot: number,
  targets: readonly number[],
): void {
  if (pivot === -1) return;
  for (const e of engines) {
    if (e.gpu !== gpu) continue;
    const i = e.migIndex;
    if ((i > pivot && i < MAX_MIG_INDEX) || targets.includes(i)) e.migIndex = -1;
  }
}

/**
 * Rebuilds `gpuEngines[g][index]` for every GPU: engines keep a still-valid index whose profile matches
 * the reported state; the rest take the first free matching index, in engine-map order.
 */
export function syncLayout(
  engines: readonly SimEngine[],
  gpuCount: number,
  geometry: GeometryIndex,
  gpuEngines: SimEngine[][],
): void {
  for (let g = 0; g < gpuCount; g++) {
    const stateId = geometry.identify(engines, g);
    if (stateId === undefined) {
      gpuEngines[g] = [];
      continue;
    }
    const layout = geometry.states.profilesOf(stateId);
    const slots: (SimEngine | undefined)[] = new Array(layout.length).fill(undefined);
    for (const e of engines) {
      if (e.gpu !== g) continue;
      const i = e.migIndex;
      if (i !== -1 && i < layout.length && layout[i] === e.logical) {
        const other = slots[i];
        if (other !== undefined) {
          throw new GeometryError(
            String(g),
            `state ${stateId}`,
            `state ${stateId}`,
            `engines ${other.name} and ${e.name} both claim MIG index ${i} (simulator invariant broken)`,
          );
        }
        slots[i] = e;
      } else {
        e.migIndex = -1;
      }
    }
    for (const e of engines) {
      if (e.gpu !== g || e.migIndex !== -1) continue;
      for (let i = 0; i < layout.length; i++) {
        if (slots[i] === undefined && layout[i] === e.logical) {
          e.migIndex = i;
          slots[i] = e;
          break;
        }
      }
    }
    const missing = slots.indexOf(undefined);
    if (missing >= 0) {
      throw new GeometryError(String(g), '?', `state ${stateId}`, `no engine fills MIG index ${missing}`);
    }
    gpuEngines[g] = slots as SimEngine[];
  }
}
