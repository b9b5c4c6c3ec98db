/**
 * Hardware profile sets: how each GPU model names its MIG instances (`"{slices}g.{vram}gb"`, the key used in
 * simulation_config.yaml and the reward's Q table) and which logical profiles it cannot run.
 * The built-in sets mirror configs/gpus/*.yaml; core/config/gpu.ts loads those files into the same type.
 */
import { LOGICAL_PROFILES, type LogicalProfile } from './profiles.js';
import { STATE_IDS, type StateId, stateLayout } from './states.js';

/** One MIG instance kind on one GPU model. */
export interface HardwareProfile {
  /** `"{sizeSlices}g.{vramGb}gb"`, e.g. `3g.20gb`. */
  readonly name: string;
  readonly sizeSlices: number;
  readonly vramGb: number;
  readonly logical: LogicalProfile;
}

/** Every MIG instance kind of one GPU model. */
export interface GpuProfileSet {
  readonly gpuModel: string;
  /** One entry per logical profile, in logical index order. */
  readonly profiles: readonly HardwareProfile[];
  /** Logical profiles the hardware has but the simulator and policy must not use. */
  readonly unsupported: readonly LogicalProfile[];
}

/** `"{size}g.{vram}gb"`. */
export function hardwareProfileName(sizeSlices: number, vramGb: number): string {
  return `${sizeSlices}g.${vramGb}gb`;
}

function makeSet(
  gpuModel: string,
  entries: readonly (readonly [LogicalProfile, number, number])[],
  unsupported: readonly LogicalProfile[],
): GpuProfileSet {
  const profiles = entries.map(([logical, sizeSlices, vramGb]) => ({
    name: hardwareProfileName(sizeSlices, vramGb),
    sizeSlices,
    vramGb,
    logical,
  }));
  return { gpuModel, profiles, unsupported };
}

/** NVIDIA A100 40 GB. Its 1g.5gb slice exists but is excluded from the state space (too little memory). */
export const A100_40GB: GpuProfileSet = makeSet(
  'A100_40GB',
  [
    ['7G', 7, 40],
    ['4G', 4, 20],
    ['3G', 3, 20],
    ['2G', 2, 10],
    ['1L', 1, 10],
    ['1S', 1, 5],
  ],
  ['1S'],
);

/** NVIDIA B200 (180 GB). Every logical profile is usable. */
export const B200: GpuProfileSet = makeSet(
  'B200',
  [
    ['7G', 7, 180],
    ['4G', 4, 90],
    ['3G', 3, 90],
    ['2G', 2, 45],
    ['1L', 1, 45],
    ['1S', 1, 23],
  ],
  [],
);

/** The GPU models migflow ships profile sets for, by model name. */
export const BUILTIN_GPU_PROFILE_SETS: Readonly<Record<string, GpuProfileSet>> = { A100_40GB, B200 };

/** The hardware profile of `logical` on this GPU (every set defines all six). */
export function hardwareProfileOf(set: GpuProfileSet, logical: LogicalProfile): HardwareProfile {
  const p = set.profiles.find((x) => x.logical === logical);
  if (!p) throw new Error(`GPU model ${set.gpuModel} defines no ${logical} profile`);
  return p;
}

/** The hardware profile called `name` (e.g. `2g.10gb`) on this GPU, or undefined. */
export function hardwareProfileByName(set: GpuProfileSet, name: string): HardwareProfile | undefined {
  return set.profiles.find((x) => x.name === name);
}

export function isProfileSupported(set: GpuProfileSet, logical: LogicalProfile): boolean {
  return !set.unsupported.includes(logical) && set.profiles.some((p) => p.logical === logical);
}

/** Geometry states whose every instance is supported on this GPU, ascending (B200: all 15; A100: 1, 2, 3, 8, 12). */
export function validStates(set: GpuProfileSet): StateId[] {
  return STATE_IDS.filter((id) => stateLayout(id).every((p) => isProfileSupported(set, p)));
}

/** Logical profiles that occur in at least one valid state of this GPU (what an agent must configure). */
export function usedLogicalProfiles(set: GpuProfileSet): LogicalProfile[] {
  const used = new Set(validStates(set).flatMap((id) => stateLayout(id)));
  return LOGICAL_PROFILES.filter((p) => used.has(p));
}
