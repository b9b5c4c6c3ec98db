import { mean, sampleStandardDeviation } from 'simple-statistics';
import { describe, expect, it } from 'vitest';
import { type BurstySpec, loadTaskConfig } from '../../../core/config/index.js';
import { MigEnv, seededEnvRng } from '../../../core/control/index.js';
import { NO_ACTION } from '../../../core/mig/actions.js';
import { CPythonRandom } from '../../../core/random/index.js';
import {
  burstyBatch,
  gammaGapS,
  gammaVariate,
  generateBurstyTrace,
  taskWorkload,
} from '../../../core/workload/index.js';
import { syntheticTokenTables } from '../../../core/workload/token-tables.js';
import { sim2, training } from '../rl/setup.js';

describe('Gamma draws', () => {
  it.each([0.5, 1, 3])('shape %s: mean shape·scale and variance shape·scale²', (shape) => {
    const rng = new CPythonRandom(11);
    const xs = Array.from({ length: 40_000 }, () => gammaVariate(rng, shape, 2));
    expect(mean(xs)).toBeCloseTo(2 * shape, 1);
    expect(sampleStandardDeviation(xs) ** 2 / (4 * shape)).toBeGreaterThan(0.95);
    expect(sampleStandardDeviation(xs) ** 2 / (4 * shape)).toBeLessThan(1.05);
  });

  it('gaps keep the mean 1/rate and have coefficient of variation 1/√k', () => {
    const rng = new CPythonRandom(3);
    const gaps = Array.from({ length: 40_000 }, () => gammaGapS(rng, 4, 0.5));
    expect(mean(gaps)).toBeCloseTo(0.25, 2);
    expect(sampleStandardDeviation(gaps) / mean(gaps)).toBeCloseTo(Math.SQRT2, 1);
    expect(() => gammaVariate(rng, 0, 1)).toThrow(/shape > 0/);
  });
});

const spec: BurstySpec = {
  baseRatePerS: { CodingAgent: [1, 1], RAGAgent: [1, 2] },
  burstRatePerS: { CodingAgent: [5, 5], RAGAgent: [6, 8] },
  burstDurationS: [300, 700],
  quietDurationS: [1800, 3600],
  gammaShape: 0.5,
};

describe('bursty arrivals', () => {
  const batch = (seed: bigint, endS = 200_000) =>
    burstyBatch({ spec, agent: 'CodingAgent', agentIndex: 0, itemCount: 50, startS: 0, endS, seed });

  it('alternate quiet (even) and burst phases at their rates, within the horizon, seeded', () => {
    const b = batch(9n);
    expect(b.phases.slice(0, 4).map((p) => p.pattern)).toEqual(['even', 'burst', 'even', 'burst']);
    const t = b.arrivalTimesS;
    expect(t.every((x, i) => x < 200_000 && (i === 0 || x >= t[i - 1]!))).toBe(true);
    // Arrivals per second of phase time, per pattern (one pass: phases tile time in order).
    const count = { even: 0, burst: 0 };
    const time = { even: 0, burst: 0 };
    let k = 0;
    for (const p of b.phases) {
      const end = p.startS + p.durationS;
      const key = p.pattern as 'even' | 'burst';
      time[key] += p.durationS;
      while (k < t.length && t[k]! <= end) {
        count[key]++;
        k++;
      }
    }
    const rateIn = (pattern: 'even' | 'burst') => count[pattern] / time[pattern];
    expect(rateIn('even')).toBeGreaterThan(0.9);
    expect(rateIn('even')).toBeLessThan(1.1);
    expect(rateIn('burst')).toBeGreaterThan(4.5);
    expect(rateIn('burst')).toBeLessThan(5.5);
    for (const p of b.phases.filter((q) => q.pattern === 'burst').slice(0, -1)) {
      expect(p.durationS).toBeGreaterThanOrEqual(300);
      expect(p.durationS).toBeLessThan(701);
    }
    expect(Array.from(batch(9n).arrivalTimesS)).toEqual(Array.from(t));
    expect(batch(10n).arrivalTimesS[0]).not.toBe(t[0]);
    // Items cycle through a shuffle of the dataset: every item appears once per 50 arrivals.
    expect(new Set(b.itemIndices.slice(0, 50)).size).toBe(50);
  });

  it('the shared bench trace seeds each agent apart, so their bursts do not line up', () => {
    const trace = generateBurstyTrace({
      spec,
      agents: ['CodingAgent', 'RAGAgent'],
      itemCounts: [50, 50],
      actionIntervalS: 120,
      steps: 100,
      seed: 77,
    });
    expect(trace.horizonS).toBe(12_000);
    expect(trace.agents.map((a) => a.seed)).toEqual([77n, 77n ^ 0x9e3779b9n]);
    const [c, r] = trace.agents;
    expect(c!.phases[1]!.startS).not.toBe(r!.phases[1]!.startS);
    expect(trace.totalRequests).toBe(c!.arrivals.length + r!.arrivals.length);
    expect(r!.arrivals.every((a) => a.agent === 1 && a.arrivalTimeS < 12_000)).toBe(true);
  });
});

describe('a task as the training workload', () => {
  const episodeArrivals = (task: string, seed: number, episodes: number) => {
    const tokens = syntheticTokenTables(1, 100);
    const rng = seededEnvRng(seed);
    const t = loadTaskConfig(`configs/tasks/${task}.yaml`);
    const env = new MigEnv({
      simulation: sim2,
      training,
      tokens,
      rng,
      episodeLength: 8,
      workload: taskWorkload({
        task: t,
        agents: sim2.agentsEnumOrder,
        itemCounts: [100, 100],
        rng,
        numSteps: 8,
        actionIntervalS: 120,
      }),
    });
    const out: number[] = [];
    for (let e = 0; e < episodes; e++) {
      env.reset();
      for (let i = 0; i < 8; i++) {
        env.actionMasks();
        env.step(NO_ACTION);
      }
      out.push(env.sim.metrics.lastArrivalRate[0]!, env.sim.metrics.lastArrivalRate[1]!);
    }
    return out;
  };

  it.each(['hard', 'medium'])(
    '%s: every episode draws fresh traffic; a run is reproducible from its seed',
    (task) => {
      const a = episodeArrivals(task, 4, 2);
      expect(a).toEqual(episodeArrivals(task, 4, 2));
      expect(a.slice(0, 2)).not.toEqual(a.slice(2, 4));
      expect(a).not.toEqual(episodeArrivals(task, 5, 2));
    },
  );

  it('hard starts with the coding peak: about 9 req/s for CodingAgent against 2–3 for RAGAgent', () => {
    const [coding, rag] = episodeArrivals('hard', 4, 1);
    expect(coding).toBeGreaterThan(7.5);
    expect(rag).toBeLessThan(3.5);
  });
});
