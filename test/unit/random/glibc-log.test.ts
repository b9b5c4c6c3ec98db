import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { glibcLog } from '../../../core/random/index.js';

const fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/random/cpython-random.json', import.meta.url), 'utf8'),
) as { log: [number, number][] };

describe('glibcLog', () => {
  it('returns exactly what CPython math.log returns (expovariate-like, wide, near-1 and subnormal inputs)', () => {
    const off = fixture.log.filter(([x, y]) => glibcLog(x) !== y);
    expect(off).toEqual([]);
    expect(fixture.log.length).toBeGreaterThan(5000);
  });

  it('keeps the special values of log', () => {
    expect(glibcLog(1)).toBe(0);
    expect(glibcLog(0)).toBe(Number.NEGATIVE_INFINITY);
    expect(glibcLog(-1)).toBeNaN();
    expect(glibcLog(Number.POSITIVE_INFINITY)).toBe(Number.POSITIVE_INFINITY);
  });
});
