/**
 * The observation's opt-in clocks (`training.time_features`, a deviation from Delta-HPC: docs/deviations.md). The
 * reference's observation shows no time longer than its five 120 s arrival rates and its steps-since counters capped
 * at the cooldown, so a memoryless policy cannot hold a state for a set time (e.g. keep an idle agent's GPU merged
 * for half an hour, then split it back before the load returns). These clocks give it that memory:
 *
 * - per agent (name order): seconds since the agent's interval arrival rate (the observation's own rate) was last at
 *   or above `idleRateReqS`; 0 while it is.
 * - per managed GPU: seconds since its layout (geometry state and the owner of each slot) last changed.
 *
 * Both are read off what a decision sees (a `ClusterView`) at each observation, so they are causal and the same in
 * the simulator and in anything else that shows the same view; their origin is the episode's first observation (both
 * 0 there). Each is divided by `scaleS` and capped at `cap` so the running normaliser sees bounded values.
 */
import type { TimeFeatureConfig } from '../config/index.js';
import type { ClusterView } from './cluster-view.js';
import type { TimeOffsets } from './observation-layout.js';

/** A GPU's layout as one exact integer: its state id and, per slot, 1 + the owner's agent index (base 4). */
function layoutSignature(view: ClusterView, g: number): number {
  let sig = 0;
  for (const e of view.gpuEngines(g)) {
    if (e.permanent || e.migIndex < 0) continue;
    sig += (e.owner + 1) * 4 ** e.migIndex;
  }
  // Slots ≤ 7 and owners ≤ 3 keep the sum below 4⁸ = 65,536.
  return view.gpuState(g) * 65_536 + sig;
}

export class ObservationClocks {
  /** Per block position: when the agent's rate was last seen at or above the idle rate. */
  private readonly busySeenS: Float64Array;
  /** Per managed GPU: when its layout was last seen to change, and the layout seen then. */
  private readonly changedS: Float64Array;
  private readonly signature: Float64Array;
  private started = false;

  constructor(
    private readonly offsets: TimeOffsets,
    private readonly settings: TimeFeatureConfig,
    /** Agent enum index of each block position (name order). */
    private readonly blockEnumIndex: readonly number[],
    readonly managedGpuCount: number,
  ) {
    this.busySeenS = new Float64Array(blockEnumIndex.length);
    this.changedS = new Float64Array(managedGpuCount);
    this.signature = new Float64Array(managedGpuCount);
  }

  /** Forgets the clocks: the next observation starts them at 0 (a new episode). */
  reset(): void {
    this.started = false;
  }

  /**
   * Updates the clocks to `view.nowS` and writes them into `out`. Reading the same state twice at one time changes
   * nothing, so building an observation again at the same decision gives the same vector.
   */
  write(view: ClusterView, out: Float32Array): void {
    const now = view.nowS;
    const { idleRateReqS, scaleS, cap } = this.settings;
    if (!this.started) {
      this.started = true;
      this.busySeenS.fill(now);
      this.changedS.fill(now);
      for (let g = 0; g < this.managedGpuCount; g++) this.signature[g] = layoutSignature(view, g);
    }
    const scaled = (s: number) => Math.min(s / scaleS, cap);
    this.blockEnumIndex.forEach((a, pos) => {
      if (view.metrics.arrivalRate(a, now) >= idleRateReqS) this.busySeenS[pos] = now;
      out[this.offsets.idleClock + pos] = scaled(now - this.busySeenS[pos]!);
    });
    for (let g = 0; g < this.managedGpuCount; g++) {
      const sig = layoutSignature(view, g);
      if (sig !== this.signature[g]) {
        this.signature[g] = sig;
        this.changedS[g] = now;
      }
      out[this.offsets.reconfigClock + g] = scaled(now - this.changedS[g]!);
    }
  }
}
