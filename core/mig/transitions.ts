/**
 * Legal MIG reconfigurations between geometry states: 96 directed pairs, each one SPLIT (one source instance
 * becomes several target instances) or one MERGE (several source instances become one). Source indices refer to
 * the *from* layout, target indices to the *to* layout. There are no self-transitions.
 */
import { STATE_IDS, type StateId } from './states.js';

export const TransitionKind = { Split: 'split', Merge: 'merge' } as const;
export type TransitionKind = (typeof TransitionKind)[keyof typeof TransitionKind];

export interface Transition {
  readonly from: StateId;
  readonly to: StateId;
  readonly kind: TransitionKind;
  /** Instance indices in the `from` layout that are shut down. */
  readonly sourceIndices: readonly number[];
  /** Instance indices in the `to` layout that are created. */
  readonly targetIndices: readonly number[];
}

// [from, to, kind, source indices, target indices]
type Row = readonly [StateId, StateId, TransitionKind, readonly number[], readonly number[]];
const ROWS: readonly Row[] = [
  [1, 2, 'split', [0], [0, 1]],
  [1, 3, 'split', [0], [0, 1, 2]],
  [1, 4, 'split', [0], [0, 1, 2, 3]],
  [1, 8, 'split', [0], [0, 1, 2]],
  [1, 9, 'split', [0], [0, 1, 2, 3]],
  [1, 10, 'split', [0], [0, 1, 2, 3]],
  [1, 11, 'split', [0], [0, 1, 2, 3, 4]],
  [1, 12, 'split', [0], [0, 1, 2, 3]],
  [1, 13, 'split', [0], [0, 1, 2, 3, 4]],
  [1, 14, 'split', [0], [0, 1, 2, 3, 4]],
  [1, 15, 'split', [0], [0, 1, 2, 3, 4, 5]],
  [1, 16, 'split', [0], [0, 1, 2, 3, 4, 5]],
  [1, 17, 'split', [0], [0, 1, 2, 3, 4, 5]],
  [1, 19, 'split', [0], [0, 1, 2, 3, 4, 5, 6]],
  [2, 1, 'merge', [0, 1], [0]],
  [2, 3, 'split', [1], [1, 2]],
  [2, 4, 'split', [1], [1, 2, 3]],
  [2, 8, 'split', [0], [0, 1]],
  [2, 9, 'split', [0], [0, 1, 2]],
  [2, 10, 'split', [0], [0, 1, 2]],
  [2, 11, 'split', [0], [0, 1, 2, 3]],
  [3, 1, 'merge', [0, 1, 2], [0]],
  [3, 2, 'merge', [1, 2], [1]],
  [3, 4, 'split', [1], [1, 2]],
  [3, 12, 'split', [0], [0, 1]],
  [3, 13, 'split', [0], [0, 1, 2]],
  [3, 14, 'split', [0], [0, 1, 2]],
  [3, 17, 'split', [0], [0, 1, 2, 3]],
  [4, 1, 'merge', [0, 1, 2, 3], [0]],
  [4, 2, 'merge', [1, 2, 3], [1]],
  [4, 3, 'merge', [1, 2], [1]],
  [4, 15, 'split', [0], [0, 1, 2]],
  [4, 16, 'split', [0], [0, 1, 2]],
  [4, 19, 'split', [0], [0, 1, 2, 3]],
  [8, 1, 'merge', [0, 1, 2], [0]],
  [8, 2, 'merge', [0, 1], [0]],
  [8, 9, 'split', [1], [1, 2]],
  [8, 10, 'split', [0], [0, 1]],
  [8, 12, 'split', [2], [2, 3]],
  [9, 1, 'merge', [0, 1, 2, 3], [0]],
  [9, 2, 'merge', [0, 1, 2], [0]],
  [9, 8, 'merge', [1, 2], [1]],
  [9, 11, 'split', [0], [0, 1]],
  [9, 13, 'split', [3], [3, 4]],
  [9, 15, 'split', [3], [3, 4, 5]],
  [10, 1, 'merge', [0, 1, 2, 3], [0]],
  [10, 2, 'merge', [0, 1, 2], [0]],
  [10, 8, 'merge', [0, 1], [0]],
  [10, 11, 'split', [2], [2, 3]],
  [10, 14, 'split', [3], [3, 4]],
  [10, 16, 'split', [3], [3, 4, 5]],
  [11, 1, 'merge', [0, 1, 2, 3, 4], [0]],
  [11, 2, 'merge', [0, 1, 2, 3], [0]],
  [11, 9, 'merge', [0, 1], [0]],
  [11, 10, 'merge', [2, 3], [2]],
  [11, 17, 'split', [4], [4, 5]],
  [11, 19, 'split', [4], [4, 5, 6]],
  [12, 1, 'merge', [0, 1, 2, 3], [0]],
  [12, 3, 'merge', [0, 1], [0]],
  [12, 8, 'merge', [2, 3], [2]],
  [12, 13, 'split', [1], [1, 2]],
  [12, 14, 'split', [0], [0, 1]],
  [13, 1, 'merge', [0, 1, 2, 3, 4], [0]],
  [13, 3, 'merge', [0, 1, 2], [0]],
  [13, 9, 'merge', [3, 4], [3]],
  [13, 12, 'merge', [1, 2], [1]],
  [13, 15, 'split', [3], [3, 4]],
  [13, 17, 'split', [0], [0, 1]],
  [14, 1, 'merge', [0, 1, 2, 3, 4], [0]],
  [14, 3, 'merge', [0, 1, 2], [0]],
  [14, 10, 'merge', [3, 4], [3]],
  [14, 12, 'merge', [0, 1], [0]],
  [14, 16, 'split', [3], [3, 4]],
  [14, 17, 'split', [2], [2, 3]],
  [15, 1, 'merge', [0, 1, 2, 3, 4, 5], [0]],
  [15, 4, 'merge', [0, 1, 2], [0]],
  [15, 9, 'merge', [3, 4, 5], [3]],
  [15, 13, 'merge', [3, 4], [3]],
  [15, 19, 'split', [0], [0, 1]],
  [16, 1, 'merge', [0, 1, 2, 3, 4, 5], [0]],
  [16, 4, 'merge', [0, 1, 2], [0]],
  [16, 10, 'merge', [3, 4, 5], [3]],
  [16, 14, 'merge', [3, 4], [3]],
  [16, 19, 'split', [2], [2, 3]],
  [17, 1, 'merge', [0, 1, 2, 3, 4, 5], [0]],
  [17, 3, 'merge', [0, 1, 2, 3], [0]],
  [17, 11, 'merge', [4, 5], [4]],
  [17, 13, 'merge', [0, 1], [0]],
  [17, 14, 'merge', [2, 3], [2]],
  [17, 19, 'split', [4], [4, 5]],
  [19, 1, 'merge', [0, 1, 2, 3, 4, 5, 6], [0]],
  [19, 4, 'merge', [0, 1, 2, 3], [0]],
  [19, 11, 'merge', [4, 5, 6], [4]],
  [19, 15, 'merge', [0, 1], [0]],
  [19, 16, 'merge', [2, 3], [2]],
  [19, 17, 'merge', [4, 5], [4]],
];

/** Every legal transition, grouped by source state ascending. */
export const TRANSITIONS: readonly Transition[] = ROWS.map(
  ([from, to, kind, sourceIndices, targetIndices]) => ({
    from,
    to,
    kind,
    sourceIndices,
    targetIndices,
  }),
);

const BY_PAIR: ReadonlyMap<number, Transition> = new Map(TRANSITIONS.map((t) => [t.from * 100 + t.to, t]));

/** The transition from `from` to `to`, or undefined when the hardware cannot go there in one step. */
export function transitionBetween(from: StateId, to: StateId): Transition | undefined {
  return BY_PAIR.get(from * 100 + to);
}

/** States reachable from `from` in one step, ascending. */
export function legalTargets(from: StateId): StateId[] {
  return STATE_IDS.filter((to) => BY_PAIR.has(from * 100 + to));
}
