/**
 * The idle clock, in one place: per agent, the seconds since its interval arrival rate (what a decision sees, the
 * view's `metrics.arrivalRate`) was last at or above `idleRateReqS` — 0 while it is. Two things read it: the
 * observation's opt-in clocks (time-features.ts, `training.time_features`) and the timed-merge policy idle_merge
 * (policies/idle-merge.ts). They must agree to the bit — idle_merge is a warm-start teacher whose clone sees the
 * observation's clock — so neither keeps its own copy of the rule; both hold one of these.
 *
 * The clock starts at the first `observe` (every agent at 0 there: an episode's first observation, a deployment's
 * first decision) and its state saves to a small JSON-safe record, so a deployment's next window continues it
 * (core/deploy/deploy-observation.ts).
 */
import type { ClusterView } from './cluster-view.js';

/** The idle clocks' state between observations, as plain JSON (times in the view's `nowS` seconds). */
export interface IdleClockState {
  /** The idle rate the busy times were judged by: a record judged by another does not continue. */
  readonly idleRateReqS: number;
  /** Per agent in the clocks' order: when its rate was last seen at or above the idle rate. */
  readonly busySeenS: readonly number[];
}

export class IdleClocks {
  /** Per agent enum index: when its rate was last seen at or above the idle rate. */
  private readonly busySeenS: Float64Array;
  /** The time of the last `observe` (what `idleS` counts to). */
  private nowS = 0;
  private started = false;

  constructor(
    readonly idleRateReqS: number,
    /**
     * The agent enum index of each position of the saved record: a permutation of 0…n−1 (the observation's name
     * order, or enum order).
     */
    private readonly order: readonly number[],
  ) {
    this.busySeenS = new Float64Array(order.length);
  }

  /** Forgets the clocks: the next `observe` starts them at 0 (a new episode). */
  reset(): void {
    this.started = false;
  }

  /** Brings the clocks to `view.nowS`: each agent whose rate is at or above the idle rate is busy now. */
  observe(view: ClusterView): void {
    const now = view.nowS;
    this.nowS = now;
    if (!this.started) {
      this.started = true;
      this.busySeenS.fill(now);
    }
    for (const a of this.order) {
      if (view.metrics.arrivalRate(a, now) >= this.idleRateReqS) this.busySeenS[a] = now;
    }
  }

  /** Seconds agent `a` (enum index) has been idle at the last `observe`. */
  idleS(a: number): number {
    return this.nowS - this.busySeenS[a]!;
  }

  /** The state to continue from (`restore`); undefined before the first `observe`. */
  save(): IdleClockState | undefined {
    if (!this.started) return undefined;
    return { idleRateReqS: this.idleRateReqS, busySeenS: this.order.map((a) => this.busySeenS[a]!) };
  }

  /** Whether `restore` would take `state` (same idle rate, one finite time per agent). */
  fits(state: IdleClockState): boolean {
    return (
      state.idleRateReqS === this.idleRateReqS &&
      state.busySeenS.length === this.order.length &&
      state.busySeenS.every(Number.isFinite)
    );
  }

  /** Continues from a saved state; false, and nothing changed, when it does not fit (`fits`). */
  restore(state: IdleClockState): boolean {
    if (!this.fits(state)) return false;
    this.order.forEach((a, pos) => {
      this.busySeenS[a] = state.busySeenS[pos]!;
    });
    this.started = true;
    return true;
  }
}
