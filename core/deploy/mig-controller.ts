/**
 * MIG controller: brings the GPUs listed in deployment.yaml — and only those — to geometry states, through
 * nvidia-smi. Splits and merges follow the reference's order (destroy the source instances, then create each
 * target instance at its placement, then resolve UUIDs); a transfer never touches MIG. `reconcile` reads the actual
 * layout and converges it on the desired state, so a worker that died halfway through a reconfiguration leaves
 * nothing a new worker cannot finish.
 */
import { GeometryError } from '../errors.js';
import {
  type GpuProfileSet,
  hardwareProfileByName,
  hardwareProfileOf,
  identifyState,
  type LogicalProfile,
  type StateId,
  sliceLayout,
  stateLayout,
  transitionBetween,
} from '../mig/index.js';
import type { NvidiaSmi } from './nvidia-smi.js';

export interface MigSlot {
  /** Start slice of the GPU instance (the placement nvidia-smi uses). */
  start: number;
  logical: LogicalProfile;
  /** Hardware profile name, e.g. `3g.20gb`. */
  hardware: string;
  giId: number;
  uuid?: string;
}

export interface GpuLayout {
  gpu: number;
  slots: MigSlot[];
  /** The geometry state the slots form (first-match rule), or undefined for a layout no state describes. */
  state?: StateId;
}

export interface ManagedGpu {
  index: number;
  profiles: GpuProfileSet;
}

interface Placement {
  start: number;
  logical: LogicalProfile;
  hardware: string;
}

export class MigController {
  private readonly gpus: Map<number, ManagedGpu>;

  constructor(
    private readonly smi: NvidiaSmi,
    gpus: readonly ManagedGpu[],
  ) {
    this.gpus = new Map(gpus.map((g) => [g.index, g]));
  }

  private managed(gpu: number): ManagedGpu {
    const g = this.gpus.get(gpu);
    if (!g) {
      throw new GeometryError(
        String(gpu),
        '?',
        '?',
        `GPU ${gpu} is not listed in deployment.yaml; migflow never touches it`,
      );
    }
    return g;
  }

  /** Where each instance of `state` goes on this GPU model. */
  placements(gpu: number, state: StateId): Placement[] {
    const { profiles } = this.managed(gpu);
    const layout = stateLayout(state);
    const slices = sliceLayout(state);
    return layout.map((logical, i) => {
      if (profiles.unsupported.includes(logical)) {
        throw new GeometryError(
          String(gpu),
          '?',
          String(state),
          `profile ${logical} is not supported on ${profiles.gpuModel}`,
        );
      }
      return { start: slices[i]![0]!, logical, hardware: hardwareProfileOf(profiles, logical).name };
    });
  }

  async readLayout(gpu: number, opts: { uuids?: boolean } = {}): Promise<GpuLayout> {
    const { profiles } = this.managed(gpu);
    const rows = await this.smi.listGpuInstances(gpu);
    const uuids =
      opts.uuids === false || rows.length === 0
        ? new Map<number, string>()
        : await this.smi.resolveUuids(gpu);
    const slots: MigSlot[] = rows
      .map((r) => {
        const hw = hardwareProfileByName(profiles, r.profile);
        if (!hw)
          throw new GeometryError(
            String(gpu),
            r.profile,
            '?',
            `instance profile ${r.profile} is not in the ${profiles.gpuModel} profile set`,
          );
        return {
          start: r.start,
          logical: hw.logical,
          hardware: hw.name,
          giId: r.giId,
          ...(uuids.has(r.start) ? { uuid: uuids.get(r.start)! } : {}),
        };
      })
      .sort((a, b) => a.start - b.start);
    const state = slots.length ? identifyState(slots.map((s) => s.logical)) : undefined;
    return { gpu, slots, ...(state !== undefined ? { state } : {}) };
  }

  /** Destroys every instance on the GPU, then creates the state's instances in slot order. */
  async configure(gpu: number, state: StateId): Promise<GpuLayout> {
    const wanted = this.placements(gpu, state);
    for (const gi of await this.smi.listGpuInstances(gpu)) await this.smi.destroyGpuInstance(gpu, gi.giId);
    for (const p of wanted) await this.smi.createGpuInstance(gpu, p.hardware, p.start);
    return this.readLayout(gpu);
  }

  /**
   * Split or merge `from` → `to`: destroys the source instances, creates the target instances in the transition's
   * order, resolves UUIDs. Instances outside the transition keep their GI, UUID and whatever runs on them.
   */
  async applyTransition(
    gpu: number,
    from: StateId,
    to: StateId,
  ): Promise<{ layout: GpuLayout; created: MigSlot[]; removedStarts: number[] }> {
    const t = transitionBetween(from, to);
    if (!t)
      throw new GeometryError(
        String(gpu),
        String(from),
        String(to),
        'no legal split or merge joins these states',
      );
    const before = this.placements(gpu, from);
    const after = this.placements(gpu, to);
    const actual = await this.smi.listGpuInstances(gpu);
    const sources = t.sourceIndices.map((i) => before[i]!);
    for (const s of sources) {
      const gi = actual.find((a) => a.start === s.start && a.profile === s.hardware);
      if (!gi) {
        throw new GeometryError(
          String(gpu),
          String(from),
          String(to),
          `no ${s.hardware} instance at slice ${s.start}; reconcile the GPU first`,
        );
      }
      await this.smi.destroyGpuInstance(gpu, gi.giId);
    }
    for (const i of t.targetIndices)
      await this.smi.createGpuInstance(gpu, after[i]!.hardware, after[i]!.start);
    const layout = await this.readLayout(gpu);
    const targetStarts = new Set(t.targetIndices.map((i) => after[i]!.start));
    return {
      layout,
      created: layout.slots.filter((s) => targetStarts.has(s.start)),
      removedStarts: sources.map((s) => s.start),
    };
  }

  /**
   * Converges the GPU on `desired`: keeps instances that already sit at a wanted placement with the wanted
   * profile, destroys every other instance, creates what is missing. Returns what changed. An abort of `signal`
   * (a stopped deployment) is honoured between nvidia-smi operations, never inside one: the GPU is left with whole
   * instances only, a layout `readLayout` and the teardown understand, instead of going on reconfiguring for a run
   * that is over.
   */
  async reconcile(
    gpu: number,
    desired: StateId,
    signal?: AbortSignal,
  ): Promise<{ layout: GpuLayout; destroyed: MigSlot[]; created: Placement[] }> {
    const wanted = this.placements(gpu, desired);
    const { profiles } = this.managed(gpu);
    const actual = await this.smi.listGpuInstances(gpu);
    const keep = (start: number, hardware: string) =>
      wanted.some((w) => w.start === start && w.hardware === hardware);
    const destroyed: MigSlot[] = [];
    for (const gi of actual) {
      if (keep(gi.start, gi.profile)) continue;
      signal?.throwIfAborted();
      await this.smi.destroyGpuInstance(gpu, gi.giId);
      const hw = hardwareProfileByName(profiles, gi.profile);
      destroyed.push({ start: gi.start, hardware: gi.profile, logical: hw?.logical ?? '1S', giId: gi.giId });
    }
    const created: Placement[] = [];
    for (const w of wanted) {
      if (actual.some((a) => a.start === w.start && a.profile === w.hardware)) continue;
      signal?.throwIfAborted();
      await this.smi.createGpuInstance(gpu, w.hardware, w.start);
      created.push(w);
    }
    return { layout: await this.readLayout(gpu), destroyed, created };
  }

  /** Destroys every instance on every managed GPU (deployment teardown). */
  async clear(): Promise<void> {
    for (const gpu of this.gpus.keys()) {
      for (const gi of await this.smi.listGpuInstances(gpu)) await this.smi.destroyGpuInstance(gpu, gi.giId);
    }
  }
}
