import { describe, expect, it } from 'vitest';
import {
  deviation,
  evaluateHeuristic,
  type HeuristicSettings,
  SERVICE_RATE_FACTORS,
  serviceRatePerS,
} from '../../../core/control/index.js';
import { actionCount, actionName, transferActionIndex } from '../../../core/mig/actions.js';
import { serviceRatesPerS } from '../bench/reference-rates.js';
import { maskOf, noMigSim } from './no-mig-sim.js';

const settings: HeuristicSettings = {
  utilizationFactor: 0.8,
  highThreshold: 1.3,
  lowThreshold: 0.7,
  serviceRatesPerS,
};

describe('service-rate lookup (spec §9 check 4)', () => {
  it('multiplies the measured rate by the profile factor; unknown entries give 0', () => {
    expect(serviceRatePerS(serviceRatesPerS, 'B200', 'CodingAgent', '4g.90gb', 1)).toBeCloseTo(2.072, 10);
    expect(serviceRatePerS(serviceRatesPerS, 'B200', 'CodingAgent', '1g.23gb', 5)).toBeCloseTo(1.14, 10);
    expect(serviceRatePerS(serviceRatesPerS, 'A100_40GB', 'RAGAgent', '2g.10gb', 3)).toBeCloseTo(2.54, 10);
    expect(serviceRatePerS(serviceRatesPerS, 'A100_40GB', 'ChatAgent', '7g.40gb', 0)).toBeCloseTo(3.99, 10);
    expect(serviceRatePerS(serviceRatesPerS, 'H100', 'ChatAgent', '7g.80gb', 0)).toBe(0);
    expect(serviceRatePerS(serviceRatesPerS, 'B200', 'ChatAgent', '7g.40gb', 0)).toBe(0);
    expect(SERVICE_RATE_FACTORS).toEqual([1.0, 0.8, 0.8, 0.5, 0.5, 0.5]);
  });
});

describe('heuristic decision (spec §9 checks 5 and 6)', () => {
  it('on no_mig with Coding overloaded picks TRANSFER_GPU_2_7G_TO_CODING by the exp deviation', () => {
    const sim = noMigSim();
    const e = evaluateHeuristic(sim, maskOf(sim), settings, [2.8, 0.3, 0.3]);
    expect(e.serviceRatesPerS[0]).toBeCloseTo(2.6, 10);
    expect(e.serviceRatesPerS[1]).toBeCloseTo(6.22, 10);
    expect(e.serviceRatesPerS[2]).toBeCloseTo(8.12, 10);
    expect(e.ratios[0]).toBeCloseTo(1.34615, 5);
    expect(e.ratios[1]).toBeCloseTo(0.060289, 6);
    expect(e.ratios[2]).toBeCloseTo(0.046182, 6);
    expect(e.currentDeviation).toBeCloseTo(3.56846, 5);
    expect(actionName(3, e.action)).toBe('TRANSFER_GPU_2_7G_TO_CODING');
    expect(e.bestDeviation).toBeCloseTo(3.09837, 5);
    const byName = new Map(e.candidates.map((c) => [actionName(3, c.action), c.deviation]));
    expect(byName.get('TRANSFER_GPU_0_7G_TO_CODING')).toBeCloseTo(3.15967, 5);
    const sorted = [...e.candidates].sort((a, b) => a.deviation - b.deviation);
    expect(actionName(3, sorted[1]!.action)).toBe('TRANSFER_GPU_0_7G_TO_CODING');
    const splits = e.candidates.filter((c) => actionName(3, c.action).includes('PROFILE'));
    const bestSplit = splits.reduce((a, b) => (b.deviation < a.deviation ? b : a));
    expect(actionName(3, bestSplit.action)).toBe('GPU_1_PROFILE_2_4G_3G');
    expect(bestSplit.deviation).toBeCloseTo(3.49173, 5);
  });

  it('inside the dead band (every ratio exactly 1.3) takes NO_ACTION without evaluating candidates', () => {
    const sim = noMigSim();
    const lambda = [2.6, 6.22, 8.12].map((mu) => 1.3 * 0.8 * mu);
    const e = evaluateHeuristic(sim, maskOf(sim), settings, lambda);
    expect(e.action).toBe(0);
    expect(e.candidates).toEqual([]);
  });

  it('takes NO_ACTION when only NO_ACTION is allowed (a reconfiguration in flight)', () => {
    const sim = noMigSim();
    const onlyNoAction = new Uint8Array(actionCount(3));
    onlyNoAction[0] = 1;
    expect(evaluateHeuristic(sim, onlyNoAction, settings, [2.8, 0.3, 0.3]).action).toBe(0);
  });

  it('never takes a candidate that only equals the current deviation', () => {
    const sim = noMigSim();
    // A 4G transfer cannot be mapped on a 7G-only GPU, so it leaves the rates (and D) unchanged.
    const mask = new Uint8Array(actionCount(3));
    mask[0] = 1;
    mask[transferActionIndex(3, 1, '4G', 'RAGAgent')] = 1;
    const e = evaluateHeuristic(sim, mask, settings, [2.8, 0.3, 0.3]);
    expect(e.candidates).toHaveLength(1);
    expect(e.candidates[0]!.deviation).toBe(e.currentDeviation);
    expect(e.action).toBe(0);
  });

  it('deviation is Σ e^{|r−1|} − 1 with 1000 per infinite ratio', () => {
    expect(deviation([1, 1])).toBe(0);
    expect(deviation([2, Number.POSITIVE_INFINITY])).toBeCloseTo(Math.E - 1 + 1000, 12);
    expect(deviation([0])).toBeCloseTo(Math.E - 1, 12);
  });
});
