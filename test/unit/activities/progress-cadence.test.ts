/**
 * The progress-signal cadence keeps a training's workflow history bounded whatever its length: the budget
 * is under 10,000 events for a 1,024,000-step run, here projected for an 18-hour run reporting every 16 steps (as
 * the trainer does) and for a fast one.
 */
import { describe, expect, it } from 'vitest';
import {
  EVENTS_PER_SIGNAL,
  MIN_SIGNAL_GAP_MS,
  ProgressCadence,
  SIGNALS_PER_RUN,
} from '../../../activities/progress-cadence.js';

/** Signals sent over a run of `total` steps reported every 16 steps, lasting `hours`. */
function signalsOver(total: number, hours: number): number {
  const cadence = new ProgressCadence();
  const msPerStep = (hours * 3_600_000) / total;
  let n = 0;
  for (let steps = 0; steps <= total; steps += 16) if (cadence.due(steps, total, steps * msPerStep)) n++;
  return n;
}

describe('progress-signal cadence', () => {
  it('keeps a 1,024,000-step training under 10,000 history events, slow or fast', () => {
    // Fixed events of a TrainWorkflow: start, first and last workflow tasks, the activity's scheduled/started/
    // completed, completion: well under 20.
    const fixed = 20;
    for (const hours of [18, 1, 0.05]) {
      const signals = signalsOver(1_024_000, hours);
      expect(signals).toBeLessThanOrEqual(SIGNALS_PER_RUN + 1);
      expect(fixed + signals * EVENTS_PER_SIGNAL).toBeLessThan(10_000);
    }
    // An 18-hour run still reports every ~4 minutes (1/250 of its duration), a 3-minute one at most every 5 s.
    expect(signalsOver(1_024_000, 18)).toBe(SIGNALS_PER_RUN + 1);
    expect(signalsOver(1_024_000, 0.05)).toBeLessThanOrEqual((0.05 * 3_600_000) / MIN_SIGNAL_GAP_MS + 1);
  });

  it('signals the first report at once, then waits for the next step bucket and the time gap', () => {
    const c = new ProgressCadence();
    expect(c.due(0, 1000, 0)).toBe(true);
    expect(c.due(16, 1000, 10_000)).toBe(true); // bucket 4 of 250, 10 s later
    expect(c.due(17, 1000, 20_000)).toBe(false); // same bucket
    expect(c.due(40, 1000, 12_000)).toBe(false); // new bucket, but within 5 s of the last signal
    expect(c.due(40, 1000, 15_000)).toBe(true);
    // Total unknown yet: only the gap applies.
    const u = new ProgressCadence();
    expect(u.due(0, null, 0)).toBe(true);
    expect(u.due(0, null, 4_000)).toBe(false);
    expect(u.due(0, null, 5_000)).toBe(true);
  });
});
