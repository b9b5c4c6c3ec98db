import { describe, expect, it } from 'vitest';
import { SimRequest, summarizeCompleted } from '../../../core/sim/index.js';

function done(
  id: number,
  arrival: number,
  start: number,
  firstToken: number,
  finish: number,
  tokens: number,
  decodeS: number,
) {
  const r = new SimRequest(id, 0, 0, arrival);
  Object.assign(r, {
    startTimeS: start,
    firstTokenTimeS: firstToken,
    finishTimeS: finish,
    completionTokens: tokens,
    generatedTokens: tokens,
    decodeTimeS: decodeS,
  });
  return r;
}

describe('summarizeCompleted (spec §6, mock-train metrics)', () => {
  it('takes P90 as sorted[int(0.9·n)] without interpolation and throughput as Σ tokens / Σ service time', () => {
    // TTFTs 1..10 s (arrival 0, first token at i + 1): int(0.9·10) = 9 → the 10th smallest, 10 s.
    const reqs = Array.from({ length: 10 }, (_, i) => done(i, 0, 0.5, i + 1, i + 2, 4, 0.4 * (i + 1)));
    const s = summarizeCompleted(reqs);
    expect(s.count).toBe(10);
    expect(s.p90TtftS).toBe(10);
    expect(s.meanTtftS).toBeCloseTo(5.5, 12);
    expect(s.meanLatencyS).toBeCloseTo(6.5, 12);
    expect(s.meanQueueingS).toBeCloseTo(0.5, 12);
    // TPOT = 0.4·(i + 1)/4 = 0.1·(i + 1) → mean 0.55, P90 = 1.0.
    expect(s.meanTpotS).toBeCloseTo(0.55, 12);
    expect(s.p90TpotS).toBeCloseTo(1.0, 12);
    // Σ tokens = 40; Σ (finish − start) = Σ (i + 2 − 0.5) for i = 0..9 = 45 + 15 = 60.
    expect(s.throughputTokensPerS).toBeCloseTo(40 / 60, 12);
  });

  it('ignores requests that have not finished', () => {
    const unfinished = new SimRequest(99, 0, 0, 0);
    expect(summarizeCompleted([unfinished]).count).toBe(0);
  });
});
