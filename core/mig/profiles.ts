/**
 * Logical MIG profiles: the GPU-independent slice sizes that observations, actions and geometry states speak in.
 * The order of `LOGICAL_PROFILES` is the feature order of every per-profile vector in the observation
 * (index 6 of those vectors is reserved for permanent engines, see `PERMANENT_SLOT`).
 */

/** A logical profile, named by its short form. 1L and 1S are both one compute slice; 1L has more memory. */
export const LogicalProfile = {
  G7: '7G',
  G4: '4G',
  G3: '3G',
  G2: '2G',
  G1Large: '1L',
  G1Small: '1S',
} as const;
export type LogicalProfile = (typeof LogicalProfile)[keyof typeof LogicalProfile];

/** Profiles in index order (7G = 0 … 1S = 5): the order of per-profile features and transfer actions. */
export const LOGICAL_PROFILES: readonly LogicalProfile[] = ['7G', '4G', '3G', '2G', '1L', '1S'];

/** Compute slices of a full GPU. */
export const SLICES_PER_GPU = 7;

/** Slot of a permanent engine in the 7-wide per-profile observation vectors. */
export const PERMANENT_SLOT = 6;

/** Width of per-profile observation vectors: six logical profiles plus the permanent slot. */
export const PROFILE_SLOTS = 7;

const SIZE: Readonly<Record<LogicalProfile, number>> = {
  '7G': 7,
  '4G': 4,
  '3G': 3,
  '2G': 2,
  '1L': 1,
  '1S': 1,
};
const IDX: Readonly<Record<LogicalProfile, number>> = {
  '7G': 0,
  '4G': 1,
  '3G': 2,
  '2G': 3,
  '1L': 4,
  '1S': 5,
};

/** Compute slices the profile occupies. */
export function profileSize(p: LogicalProfile): number {
  return SIZE[p];
}

/** Feature index (0..5) of the profile. */
export function profileIdx(p: LogicalProfile): number {
  return IDX[p];
}

export function isLogicalProfile(s: unknown): s is LogicalProfile {
  return typeof s === 'string' && Object.hasOwn(SIZE, s);
}
