/**
 * The 15 MIG geometry states: ordered tuples of logical profiles that tile a GPU's 7 compute slices.
 * A state id is the key the action enum and transition table use; its one-hot position is its rank among the ids.
 *
 * State recognition follows the reference's rule: the first id (ascending) whose tuple has the same multiset of
 * profiles. Three groups share a multiset, so physical states 10, 14, 16 and 17 are reported as 9, 13, 15, 15.
 */
import { type LogicalProfile, profileSize, SLICES_PER_GPU } from './profiles.js';

export type StateId = 1 | 2 | 3 | 4 | 8 | 9 | 10 | 11 | 12 | 13 | 14 | 15 | 16 | 17 | 19;

/** All state ids, ascending: position i is the state's one-hot position. */
export const STATE_IDS: readonly StateId[] = [1, 2, 3, 4, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 19];

/** Width of the per-GPU state one-hot. */
export const STATE_COUNT = 15;

const L = {
  s7: '7G',
  s4: '4G',
  s3: '3G',
  s2: '2G',
  l1: '1L',
  s1: '1S',
} as const satisfies Record<string, LogicalProfile>;

const LAYOUTS: Readonly<Record<StateId, readonly LogicalProfile[]>> = {
  1: [L.s7],
  2: [L.s4, L.s3],
  3: [L.s4, L.s2, L.l1],
  4: [L.s4, L.s1, L.s1, L.l1],
  8: [L.s2, L.s2, L.s3],
  9: [L.s2, L.s1, L.s1, L.s3],
  10: [L.s1, L.s1, L.s2, L.s3],
  11: [L.s1, L.s1, L.s1, L.s1, L.s3],
  12: [L.s2, L.s2, L.s2, L.l1],
  13: [L.s2, L.s1, L.s1, L.s2, L.l1],
  14: [L.s1, L.s1, L.s2, L.s2, L.l1],
  15: [L.s2, L.s1, L.s1, L.s1, L.s1, L.l1],
  16: [L.s1, L.s1, L.s2, L.s1, L.s1, L.l1],
  17: [L.s1, L.s1, L.s1, L.s1, L.s2, L.l1],
  19: [L.s1, L.s1, L.s1, L.s1, L.s1, L.s1, L.l1],
};

export function isStateId(n: unknown): n is StateId {
  return typeof n === 'number' && (STATE_IDS as readonly number[]).includes(n);
}

/** The ordered profiles of a state; instance index i is position i. */
export function stateLayout(id: StateId): readonly LogicalProfile[] {
  return LAYOUTS[id];
}

/** Physical compute slices of each instance index: instances are laid out left to right in tuple order. */
export function sliceLayout(id: StateId): number[][] {
  const out: number[][] = [];
  let next = 0;
  for (const p of LAYOUTS[id]) {
    const n = profileSize(p);
    out.push(Array.from({ length: n }, (_, k) => next + k));
    next += n;
  }
  if (next !== SLICES_PER_GPU) throw new Error(`state ${id} covers ${next} slices, not ${SLICES_PER_GPU}`);
  return out;
}

/** Rank of the state among the ids (0..14): where its bit sits in the observation's one-hot. */
export function oneHotPosition(id: StateId): number {
  return STATE_IDS.indexOf(id);
}

/** Short label such as `4G_2G_1L`, as used in action names. */
export function stateLabel(id: StateId): string {
  return LAYOUTS[id].join('_');
}

function multisetKey(profiles: readonly LogicalProfile[]): string {
  return [...profiles].sort().join(',');
}

const FIRST_BY_MULTISET: ReadonlyMap<string, StateId> = (() => {
  const m = new Map<string, StateId>();
  for (const id of STATE_IDS) {
    const k = multisetKey(LAYOUTS[id]);
    if (!m.has(k)) m.set(k, id);
  }
  return m;
})();

/**
 * The state a GPU reports for this multiset of instances (order ignored): the lowest id with that multiset,
 * or undefined when the profiles do not form a state.
 */
export function identifyState(profiles: readonly LogicalProfile[]): StateId | undefined {
  return FIRST_BY_MULTISET.get(multisetKey(profiles));
}
