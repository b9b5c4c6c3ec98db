/**
 * The observation's opt-in clocks (`training.time_features`, a deviation from Delta-HPC: docs/deviations.md). The
 * reference's observation shows no time longer than its five 120 s arrival rates and its steps-since counters capped
 * at the cooldown, so a memoryless policy cannot hold a state for a set time (e.g. keep an idle agent's GPU merged
 * for half an hour, then split it back before the load returns). These clocks give it that memory:
 *
 * - per agent (name order): seconds since the agent's interval arrival rate (the observation's own rate) was last at
 *   or above `idleRateReqS`; 0 while it is. The rule lives in idle-clocks.ts, shared with the idle_merge policy.
 * - per managed GPU: seconds since its layout (geometry state and the owner of each slot) last changed.
 *
 * Both are read off what a decision sees (a `ClusterView`) at each observation, so they are causal and the same in
 * the simulator and in anything else that shows the same view; their origin is the episode's first observation (both
 * 0 there; a live deployment's first decision, at the end of its first window). Each is divided by `scaleS` and
 * capped at `cap` so the running normaliser sees bounded values. Their state saves to a small JSON-safe record and
 * restores from it, so whoever builds the next observation elsewhere (a deployment's next window, after a
 * continue-as-new or on another worker) continues them exactly.
 */
import type { TimeFeatureConfig } from '../config/index.js';
import type { ClusterView } from './cluster-view.js';
import { type IdleClockState, IdleClocks } from './idle-clocks.js';
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

/**
 * The clocks' state between observations, as plain JSON (times in the view's `nowS` seconds): the idle clocks' (per
 * agent in name order) and the layout clocks'.
 */
export interface ObservationClockState extends IdleClockState {
  /** Per managed GPU: when its layout was last seen to change, and that layout's signature. */
  readonly changedS: readonly number[];
  readonly signature: readonly number[];
}

export class ObservationClocks {
  /** Per agent: the idle clocks (saved in name order, the observation's block order). */
  readonly idle: IdleClocks;
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
    this.idle = new IdleClocks(settings.idleRateReqS, blockEnumIndex);
    this.changedS = new Float64Array(managedGpuCount);
    this.signature = new Float64Array(managedGpuCount);
  }

  /** Forgets the clocks: the next observation starts them at 0 (a new episode). */
  reset(): void {
    this.started = false;
    this.idle.reset();
  }

  /** The state to continue from (`restore`); undefined before the first observation. */
  save(): ObservationClockState | undefined {
    const idle = this.idle.save();
    if (!this.started || !idle) return undefined;
    return {
      ...idle,
      changedS: Array.from(this.changedS),
      signature: Array.from(this.signature),
    };
  }

  /**
   * Continues from a saved state: the next observation reads the clocks as the instance that saved it would have.
   * False, and nothing changed, when the record does not fit these clocks (another agent or GPU count, or busy times
   * judged by another idle rate).
   */
  restore(state: ObservationClockState): boolean {
    const fits =
      state.changedS.length === this.managedGpuCount &&
      state.signature.length === this.managedGpuCount &&
      [...state.changedS, ...state.signature].every(Number.isFinite) &&
      this.idle.fits(state);
    if (!fits) return false;
    this.idle.restore(state);
    this.changedS.set(state.changedS);
    this.signature.set(state.signature);
    this.started = true;
    return true;
  }

  /**
   * Updates the clocks to `view.nowS` and writes them into `out`. Reading the same state twice at one time changes
   * nothing, so building an observation again at the same decision gives the same vector.
   */
  write(view: ClusterView, out: Float32Array): void {
    const now = view.nowS;
    const { scaleS, cap } = this.settings;
    if (!this.started) {
      this.started = true;
      this.changedS.fill(now);
      for (let g = 0; g < this.managedGpuCount; g++) this.signature[g] = layoutSignature(view, g);
    }
    const scaled = (s: number) => Math.min(s / scaleS, cap);
    // Started together with the layout clocks (a fresh or reset instance starts both; restore continues both).
    this.idle.observe(view);
    this.blockEnumIndex.forEach((a, pos) => {
      out[this.offsets.idleClock + pos] = scaled(this.idle.idleS(a));
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
