/** The verdict from an error's interval, and the requests that would settle an inconclusive one — hand-computed. */
import { describe, expect, it } from 'vitest';
import { absoluteInterval, requestsNeeded, verdict } from '../../../core/stages/validate/verdict.js';

const iv = (error: number, signedLow: number, signedHigh: number) => ({ error, signedLow, signedHigh });

describe('validate verdict', () => {
  it('takes |error| over a signed interval: 0 where it straddles 0, the nearer end otherwise', () => {
    expect(absoluteInterval(iv(0.02, -0.05, 0.1))).toEqual([0, 0.1]);
    expect(absoluteInterval(iv(0.2, -0.3, -0.1))).toEqual([0.1, 0.3]);
    expect(absoluteInterval(iv(0.3, 0.2, 0.4))).toEqual([0.2, 0.4]);
  });

  it('passes an interval inside ±threshold, fails one wholly outside (either side), else inconclusive', () => {
    expect(verdict(iv(0.02, -0.05, 0.1), 0.15)).toBe('pass');
    expect(verdict(iv(0.02, -0.15, 0.15), 0.15)).toBe('pass');
    expect(verdict(iv(0.3, 0.2, 0.4), 0.15)).toBe('fail');
    // The simulator too fast by 20–40 %: as much a failure as too slow.
    expect(verdict(iv(0.3, -0.4, -0.2), 0.15)).toBe('fail');
    // A point error above the threshold whose interval reaches below it: the data cannot show it exceeds it.
    expect(verdict(iv(0.18, 0.1, 0.26), 0.15)).toBe('inconclusive');
    // A small point error with a wide interval: nor that it is within.
    expect(verdict(iv(0.02, -0.1, 0.3), 0.15)).toBe('inconclusive');
  });

  it('scales the interval as 1/√n to the requests that would settle it', () => {
    // Point 5 %, upper end 25 %, threshold 15 %: the half-width 0.20 must shrink to 0.10 → ×4 requests.
    expect(requestsNeeded(iv(0.05, -0.25, 0.2), 0.15, 40)).toBe(160);
    // Point 30 % above a 20 % threshold, lower end 10 %: half-width 0.20 → 0.10 → ×4.
    expect(requestsNeeded(iv(0.3, 0.1, 0.5), 0.2, 40)).toBe(160);
    // Half-width 0.12 against distance 0.05: 40 · 2.4² = 230.4 → 231.
    expect(requestsNeeded(iv(0.1, -0.02, 0.22), 0.15, 40)).toBe(231);
    // An error on the threshold: no number of requests settles it.
    expect(requestsNeeded(iv(0.15, 0.05, 0.25), 0.15, 40)).toBe(Number.POSITIVE_INFINITY);
  });
});
