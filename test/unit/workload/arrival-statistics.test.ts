/**
 * Spec simulator-and-rl §9 check 12 (statistical): with one pattern held for a 122 880 s horizon, the realised
 * arrival rate is (b − a)/ln(b/a), not the midpoint, because every gap draws its own rate; burst phases
 * (300–700 s) number about 122 880/500. Averaged over five seeds, within ±1%.
 */
import { describe, expect, it } from 'vitest';
import { loadBenchConfig } from '../../../core/config/bench.js';
import type { AgentName } from '../../../core/mig/agents.js';
import { CPythonRandom } from '../../../core/random/index.js';
import { benchPatternRanges, type PatternName, RequestLoader } from '../../../core/workload/index.js';

const bench = loadBenchConfig(
  new URL('../../fixtures/workload/reference-bench-config.yaml', import.meta.url).pathname,
);
const HORIZON_S = 1024 * 120;
const SEEDS = [1, 2, 3, 4, 5];

const memo = new Map<string, ReturnType<RequestLoader['generate']>>();

function heldPattern(pattern: PatternName, agent: AgentName, seed: number) {
  const key = `${pattern}/${agent}/${seed}`;
  const hit = memo.get(key);
  if (hit) return hit;
  const loader = new RequestLoader({
    agents: bench.agents,
    itemCounts: bench.agents.map(() => 0),
    numSteps: 1024,
    actionIntervalS: 120,
    ranges: benchPatternRanges(bench),
    rng: new CPythonRandom(0),
    seed,
    workloadSequence: [pattern],
  });
  const batch = loader.generate(bench.agents.indexOf(agent), 0, 0);
  memo.set(key, batch);
  return batch;
}

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

describe('arrival generator statistics (spec §9 check 12)', () => {
  it.each([
    ['even', 'CodingAgent', 1.0, 2.5, 1.637],
    ['burst', 'RAGAgent', 6.0, 8.0, 6.952],
    ['idle', 'RAGAgent', 0.1, 0.5, 0.2485],
  ] as const)('%s %s: realised rate ≈ (b − a)/ln(b/a) = %s…%s → %s req/s', (pattern, agent, a, b, spec) => {
    const expected = (b - a) / Math.log(b / a);
    expect(expected).toBeCloseTo(spec, 3);
    const realised = mean(SEEDS.map((s) => heldPattern(pattern, agent, s).arrivalTimesS.length / HORIZON_S));
    expect(Math.abs(realised / expected - 1)).toBeLessThan(0.01);
    // The midpoint would overstate it.
    expect(realised).toBeLessThan((a + b) / 2);
  });

  it('burst phases number about 122 880 / 500 ≈ 246, each mean rate drawn inside the range', () => {
    const runs = SEEDS.map((s) => heldPattern('burst', 'RAGAgent', s));
    expect(Math.abs(mean(runs.map((r) => r.phases.length)) / 245.76 - 1)).toBeLessThan(0.03);
    for (const r of runs) {
      for (const p of r.phases) {
        expect(p.pattern).toBe('burst');
        expect(p.avgRatePerS).toBeGreaterThanOrEqual(6);
        expect(p.avgRatePerS).toBeLessThanOrEqual(8);
      }
    }
  });

  it('the phase that crosses the horizon is the last; phases tile from 0 without gaps', () => {
    const r = heldPattern('even', 'CodingAgent', 9);
    let t = 0;
    for (const p of r.phases) {
      expect(p.startS).toBe(t);
      t = p.startS + p.durationS;
    }
    expect(r.phases[r.phases.length - 1]!.startS).toBeLessThan(HORIZON_S);
    expect(t).toBeGreaterThanOrEqual(HORIZON_S);
  });
});
