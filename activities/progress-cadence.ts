/**
 * How often `trainPolicy` signals progress to its TrainWorkflow. Each signal is a history event plus a workflow
 * task (about four events), and a workflow's history is capped (51,200 events), so the cadence is bounded by the
 * run's steps, not its duration: one signal per 1/250 of the run (and at most one per 5 s), whatever the length.
 * A 1,024,000-step run thus signals at most ~251 times (~1,000 events) even over 18 hours. Live numbers between
 * signals come from the heartbeat details (`temporal workflow describe`), which cost no history. `trainPolicy` adds
 * one signal per new checkpoint (total / checkpoint cadence: 200 at the defaults), which a search's pruner reads.
 */

/** Progress signals per run, at most (plus the first). */
export const SIGNALS_PER_RUN = 250;
/** And never more often than this. */
export const MIN_SIGNAL_GAP_MS = 5_000;

export class ProgressCadence {
  private lastAt = Number.NEGATIVE_INFINITY;
  private lastBucket = -1;

  /** True when a report at `steps` of `totalSteps` (at `now`) should be signalled. */
  due(steps: number, totalSteps: number | null, now: number): boolean {
    if (now - this.lastAt < MIN_SIGNAL_GAP_MS) return false;
    // Without a known total (before the trainer's first report) only the time gap applies.
    const bucket =
      totalSteps && totalSteps > 0 ? Math.floor((steps * SIGNALS_PER_RUN) / totalSteps) : this.lastBucket + 1;
    if (bucket === this.lastBucket) return false;
    this.lastAt = now;
    this.lastBucket = bucket;
    return true;
  }
}

/** History events a signal costs: WorkflowExecutionSignaled + WorkflowTask Scheduled, Started, Completed. */
export const EVENTS_PER_SIGNAL = 4;
