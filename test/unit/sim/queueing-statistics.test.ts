/**
 * Spec §9 check 13 (statistical): Coding-only Poisson load for 3600 s on a B200 7G plus the permanent A100
 * 2g.10gb, every request P = 1000, C = 200, the configuration's σ, NO_ACTION throughout. The spec's figures
 * come from CPython's stream; ours come from another seeded stream, so they are compared as distributions:
 * each 5-seed mean within ±2 % (TTFT, TPOT) or ±3 % (P90 TTFT, which the spec gives to two digits), and the
 * permanent engine's share within ±1 point (λ = 1, "about 3 %") or ±2 points (λ = 4, "about 30 %").
 */
import { describe, expect, it } from 'vitest';
import { LogicalProfile as P, type SimRequest, summarizeCompleted } from '../../../core/sim/index.js';
import { CODING, makeSim, managed, permanentA100, poissonArrivals } from '../../fixtures/sim/scenarios.js';
import { seededTestRng } from '../../fixtures/sim/test-rng.js';

function simulate(lambda: number, seed: number) {
  const done: SimRequest[] = [];
  const { sim } = makeSim({
    cluster: { agents: [CODING], gpuModels: ['B200', 'A100_40GB'] },
    layout: [...permanentA100(1, [0]), ...managed(0, 0, [P.G7])],
    rng: seededTestRng(seed),
    queueTrace: false,
    hooks: { onRequestCompleted: (r) => done.push(r) },
  });
  const arrivals = poissonArrivals(seededTestRng(seed + 100), 0, lambda, 0, 3600);
  sim.addArrivals(arrivals);
  sim.scheduleTriggers(31);
  while (sim.run()) sim.decide(null);
  const s = summarizeCompleted(done);
  return {
    arrived: arrivals.length,
    completed: done.length,
    meanTtftS: s.meanTtftS,
    p90TtftS: s.p90TtftS,
    meanTpotS: s.meanTpotS,
    permanentShare: done.filter((r) => r.servingEngine!.permanent).length / done.length,
  };
}

function mean5(lambda: number) {
  const runs = [1, 2, 3, 4, 5].map((seed) => simulate(lambda, seed));
  const avg = (k: 'meanTtftS' | 'p90TtftS' | 'meanTpotS' | 'permanentShare') =>
    runs.reduce((s, r) => s + r[k], 0) / runs.length;
  for (const r of runs) expect(r.completed).toBe(r.arrived);
  return {
    meanTtftS: avg('meanTtftS'),
    p90TtftS: avg('p90TtftS'),
    meanTpotS: avg('meanTpotS'),
    share: avg('permanentShare'),
  };
}

const within = (actual: number, expected: number, rel: number) =>
  expect(Math.abs(actual - expected) / expected).toBeLessThanOrEqual(rel);

describe('queueing behaviour under Poisson load (spec §9 check 13)', () => {
  it('λ = 1: mean TTFT 0.287 s, P90 0.44 s, TPOT 0.0310 s, ~3 % on the permanent engine', () => {
    const m = mean5(1);
    within(m.meanTtftS, 0.287, 0.02);
    within(m.p90TtftS, 0.44, 0.03);
    within(m.meanTpotS, 0.031, 0.02);
    expect(Math.abs(m.share - 0.03)).toBeLessThanOrEqual(0.01);
  });

  it('λ = 4: mean TTFT 0.379 s, P90 0.60 s, TPOT 0.0489 s, ~30 % on the permanent engine', () => {
    const m = mean5(4);
    within(m.meanTtftS, 0.379, 0.02);
    within(m.p90TtftS, 0.6, 0.03);
    within(m.meanTpotS, 0.0489, 0.02);
    expect(Math.abs(m.share - 0.3)).toBeLessThanOrEqual(0.02);
  });
});
