/**
 * The observation's opt-in clocks' settings (`training.time_features`, core/control/time-features.ts): what the
 * training config resolves to and what a checkpoint records, so a bench trial or a live deployment builds the
 * observation the policy was trained on. One type for both (core/rl may not import core/config). JSON-safe.
 */
export interface TimeFeatureConfig {
  /** Req/s: an interval whose arrival rate is below this is idle. */
  readonly idleRateReqS: number;
  /** Seconds per unit of a clock feature. */
  readonly scaleS: number;
  /** Cap of a clock feature, in units of `scaleS`. */
  readonly cap: number;
}
