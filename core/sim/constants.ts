/**
 * Enumerations and fixed numbers of the simulator. The event kind's number *is* the tie-break order at
 * equal times, so it is a numeric const object.
 */

/** Event kinds; at equal times the lower number is handled first, then insertion order. */
export const EventKind = {
  RequestArrival: 0,
  RagSearchComplete: 1,
  EngineStepComplete: 2,
  ResourceManagerTrigger: 3,
  EngineShutdownComplete: 4,
  EngineBootComplete: 5,
  RefreshActionBudget: 6,
} as const;
export type EventKind = (typeof EventKind)[keyof typeof EventKind];
export const EVENT_KIND_COUNT = 7;

export const EngineStatus = { Active: 'ACTIVE', Draining: 'DRAINING', Booting: 'BOOTING' } as const;
export type EngineStatus = (typeof EngineStatus)[keyof typeof EngineStatus];

export const RequestState = {
  Pending: 'PENDING',
  Prefilling: 'PREFILLING',
  Decoding: 'DECODING',
  Completed: 'COMPLETED',
} as const;
export type RequestState = (typeof RequestState)[keyof typeof RequestState];

export const ReconfigKind = { Split: 'split', Merge: 'merge', Transfer: 'transfer' } as const;
export type ReconfigKind = (typeof ReconfigKind)[keyof typeof ReconfigKind];

/** Logical MIG profiles; the value is the idx used by every per-profile feature. */
export const LogicalProfile = { G7: 0, G4: 1, G3: 2, G2: 3, G1Large: 4, G1Small: 5 } as const;
export type LogicalProfile = (typeof LogicalProfile)[keyof typeof LogicalProfile];
export const LOGICAL_PROFILE_COUNT = 6;
/** Per-agent feature slots: one per logical profile plus slot 6 for permanent engines. */
export const SLOT_COUNT = 7;
export const PERMANENT_SLOT = 6;

/** Times not reached yet (start, first token, finish) hold this value; simulated times are ≥ 0. */
export const UNSET_TIME = -1;

/** Ring of completed requests kept per agent. */
export const COMPLETED_RING_SIZE = 500;
/** Invalidation looks at MIG indices below this bound. */
export const MAX_MIG_INDEX = 16;
