/**
 * Bridges `core/mig` (string-named logical profiles, state tables) to the simulator's numeric profile idx,
 * which the hot path and the per-slot features index arrays with.
 */
import {
  type GpuProfileSet,
  LOGICAL_PROFILES,
  type LogicalProfile,
  profileIdx,
  STATE_IDS,
  type StateId,
  stateLayout,
} from '../mig/index.js';
import type { GeometryStates, HardwareProfile } from './ports.js';

const LAYOUT_IDX: ReadonlyMap<number, readonly number[]> = new Map(
  STATE_IDS.map((id) => [id, stateLayout(id).map(profileIdx)] as const),
);

/** The 15 geometry states of `core/mig`, profiles as idx. */
export const MIG_GEOMETRY_STATES: GeometryStates = {
  stateIds: STATE_IDS,
  profilesOf(stateId: number): readonly number[] {
    const layout = LAYOUT_IDX.get(stateId);
    if (layout === undefined) throw new RangeError(`${stateId} is not a MIG geometry state id`);
    return layout;
  },
};

/** A GPU model's hardware profiles indexed by logical idx. */
export function hardwareProfilesByIdx(set: GpuProfileSet): (HardwareProfile | undefined)[] {
  const out: (HardwareProfile | undefined)[] = new Array(LOGICAL_PROFILES.length).fill(undefined);
  for (const p of set.profiles) {
    out[profileIdx(p.logical)] = {
      logical: profileIdx(p.logical),
      size: p.sizeSlices,
      vramGb: p.vramGb,
      name: p.name,
    };
  }
  return out;
}

export function logicalOfIdx(idx: number): LogicalProfile {
  const p = LOGICAL_PROFILES[idx];
  if (p === undefined) throw new RangeError(`${idx} is not a logical profile idx`);
  return p;
}

export function isStateIdNumber(n: number): n is StateId {
  return LAYOUT_IDX.has(n);
}
