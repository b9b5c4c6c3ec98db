/**
 * MIG GPU-instance profiles and their legal placements as the driver enforces them, per GPU model.
 * Memory is 8 slices; a placement is `start:size` in those slices (1g.10gb on A100 is `6:2`).
 * Self-contained on purpose: the emulator is a separate process that must not depend on migflow's own MIG tables.
 */
export interface GiProfile {
  name: string;
  /** GPU-instance profile id (`mig -lgip` ID column). */
  id: number;
  /** Compute slices (the "Ng" in the name). */
  compute: number;
  /** Compute-instance profile id of the full-size CI that `-C` creates. */
  ciProfileId: number;
  /** Legal start slices. */
  starts: number[];
  /** Memory slices occupied. */
  size: number;
}

export interface GpuModel {
  key: string;
  productName: string;
  memoryMiB: number;
  profiles: GiProfile[];
  /**
   * The emulated board power (the truth profiling measures): idle, and at full load on all 7 compute slices.
   * Deliberately not migflow's documented defaults (core/sim/energy.ts), so a test can tell measured from default.
   */
  power: { idleW: number; maxW: number };
}

const CI_ID: Record<number, number> = { 1: 0, 2: 1, 3: 2, 4: 3, 7: 4 };

function table(names: [string, string, string, string, string, string]): GiProfile[] {
  const [g1s, g1l, g2, g3, g4, g7] = names;
  return [
    { name: g1s, id: 19, compute: 1, ciProfileId: CI_ID[1]!, starts: [0, 1, 2, 3, 4, 5, 6], size: 1 },
    { name: g1l, id: 15, compute: 1, ciProfileId: CI_ID[1]!, starts: [0, 2, 4, 6], size: 2 },
    { name: g2, id: 14, compute: 2, ciProfileId: CI_ID[2]!, starts: [0, 2, 4], size: 2 },
    { name: g3, id: 9, compute: 3, ciProfileId: CI_ID[3]!, starts: [0, 4], size: 4 },
    { name: g4, id: 5, compute: 4, ciProfileId: CI_ID[4]!, starts: [0], size: 4 },
    { name: g7, id: 0, compute: 7, ciProfileId: CI_ID[7]!, starts: [0], size: 8 },
  ];
}

export const GPU_MODELS: Record<string, GpuModel> = {
  A100_40GB: {
    key: 'A100_40GB',
    productName: 'NVIDIA A100-SXM4-40GB',
    memoryMiB: 40960,
    profiles: table(['1g.5gb', '1g.10gb', '2g.10gb', '3g.20gb', '4g.20gb', '7g.40gb']),
    power: { idleW: 56.4, maxW: 392 },
  },
  B200: {
    key: 'B200',
    productName: 'NVIDIA B200',
    memoryMiB: 183359,
    profiles: table(['1g.23gb', '1g.45gb', '2g.45gb', '3g.90gb', '4g.90gb', '7g.180gb']),
    power: { idleW: 148, maxW: 985 },
  },
};

export function findProfile(model: GpuModel, nameOrId: string): GiProfile | undefined {
  return model.profiles.find((p) => p.name === nameOrId || String(p.id) === nameOrId);
}
