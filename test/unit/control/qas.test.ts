import { describe, expect, it } from 'vitest';
import { loadBenchConfig, ttftCurve } from '../../../core/config/bench.js';
import {
  aggregateAllocation,
  evaluateQas,
  heldSlices,
  predictTtftS,
  type QasSettings,
  qasTtftCeilingsS,
  scoreOf,
} from '../../../core/control/policies/qas.js';
import { actionCount } from '../../../core/mig/actions.js';
import { serviceRatesPerS } from '../bench/reference-rates.js';
import { CHAT, CODING, RAG, sim2, sim3, training } from '../rl/setup.js';
import { maskOf, noMigSim } from './no-mig-sim.js';

const shipped = loadBenchConfig('configs/bench_config.yaml');
// The shipped curves (Coding and RAG only, as in the reference) with the service rates of spec §3.4 (Chat too).
const bench = { ...shipped, heuristic: { ...shipped.heuristic, serviceRatesPerS } };
const settings: QasSettings = {
  bench,
  qualityFactors: training.reward.q,
  ttftCeilingsS: qasTtftCeilingsS(sim3, bench.qas.lTargetS),
};

describe('QAS TTFT curve (spec §9 check 7)', () => {
  const curve = ttftCurve(bench.qas.ttftCurves, 'B200', 'CodingAgent', '7g.180gb');

  it('clamps below the first point, interpolates inside, and extrapolates with the slope floored at 1 s per req/s', () => {
    expect(predictTtftS(curve, 0.1)).toBeCloseTo(0.2035691, 7);
    expect(predictTtftS(curve, 0.675)).toBeCloseTo(0.2101448, 7);
    expect(predictTtftS(curve, 1.2)).toBe(0.2063867311);
    expect(predictTtftS(curve, 1.5)).toBeCloseTo(0.5063867, 7);
  });

  it('an unmeasured slice predicts an infinite TTFT; equal λ endpoints give the left TTFT', () => {
    expect(predictTtftS([], 1)).toBe(Number.POSITIVE_INFINITY);
    expect(
      predictTtftS(
        [
          [0, 1],
          [1, 2],
          [1, 5],
          [2, 6],
        ],
        1,
      ),
    ).toBe(2);
  });
});

describe('QAS allocation and score (spec §9 check 7)', () => {
  it('Coding on 7g.180gb + the permanent 2g.10gb at λ = 1.5: waterfall 1.2/0.3, TTFT 0.195119, Q_f 14.6, feasible', () => {
    const sim = noMigSim();
    const held = heldSlices(sim);
    const r = aggregateAllocation(sim, settings, CODING, held[CODING]!, 1.5);
    expect(r.ttftS).toBeCloseTo(0.195119, 6);
    expect(r.qualityFactor).toBeCloseTo(14.6, 10);
    expect(r.ttftS).toBeLessThan(settings.ttftCeilingsS[CODING]!);
  });

  it('Chat without curves: load absorbed before its last slice counts as feasible (NaN), spilled load as infinite', () => {
    const sim = noMigSim();
    const held = heldSlices(sim);
    const absorbed = aggregateAllocation(sim, settings, CHAT, held[CHAT]!, 2.0);
    expect(absorbed.ttftS).toBeNaN();
    expect(
      scoreOf([18, 18, absorbed.qualityFactor], [0.2, 0.4, absorbed.ttftS], settings.ttftCeilingsS)[0],
    ).toBe(0);
    const spilled = aggregateAllocation(sim, settings, CHAT, held[CHAT]!, 4.0);
    expect(spilled.ttftS).toBe(Number.POSITIVE_INFINITY);
    expect(
      scoreOf([18, 18, spilled.qualityFactor], [0.2, 0.4, spilled.ttftS], settings.ttftCeilingsS),
    ).toEqual([1, Number.POSITIVE_INFINITY]);
  });

  it('no load: the quality of the largest slice held and no latency; no slices: nothing', () => {
    const sim = noMigSim();
    const held = heldSlices(sim);
    expect(aggregateAllocation(sim, settings, RAG, held[RAG]!, 0)).toEqual({ qualityFactor: 18, ttftS: 0 });
    expect(aggregateAllocation(sim, settings, RAG, [], 3)).toEqual({ qualityFactor: 0, ttftS: 0 });
  });

  it('ceilings: L_target for Coding, plus the mean RAG search delay for RAG', () => {
    expect(qasTtftCeilingsS(sim2, 0.3)).toEqual([0.3, 0.3 + (0.05 + 0.3) / 2]);
  });
});

describe('QAS decision', () => {
  it('takes NO_ACTION when only NO_ACTION is allowed', () => {
    const sim = noMigSim();
    const only = new Uint8Array(actionCount(3));
    only[0] = 1;
    expect(evaluateQas(sim, only, settings, [1.5, 1, 1]).action).toBe(0);
  });

  it('an overloaded Coding agent gets a change that clears the gate and scores best, the first of equals', () => {
    const sim = noMigSim();
    const e = evaluateQas(sim, maskOf(sim), settings, [3.5, 0.5, 0.5]);
    expect(e.currentScore[0]).toBe(1);
    expect(e.action).not.toBe(0);
    const chosen = e.candidates.find((c) => c.action === e.action)!;
    expect(chosen.score).toEqual(e.bestScore);
    for (const c of e.candidates) {
      const better =
        c.score[0] < chosen.score[0] || (c.score[0] === chosen.score[0] && c.score[1] < chosen.score[1]);
      expect(better, `candidate ${c.action} scores better than the choice`).toBe(false);
      if (c.score[0] === chosen.score[0] && c.score[1] === chosen.score[1])
        expect(c.action).toBeGreaterThanOrEqual(e.action);
    }
  });

  it('inside the feasible tier a gain of at most min_quality_gain is not worth a reconfiguration', () => {
    const sim = noMigSim();
    const tight = { ...settings, bench: { ...bench, qas: { ...bench.qas, minQualityGain: 1e9 } } };
    const e = evaluateQas(sim, maskOf(sim), tight, [0.2, 0.2, 0.2]);
    expect(e.currentScore[0]).toBe(0);
    expect(e.action).toBe(0);
  });
});
