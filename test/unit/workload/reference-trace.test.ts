import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadBenchConfig } from '../../../core/config/bench.js';
import { CPythonRandom } from '../../../core/random/index.js';
import { generateBenchTrace } from '../../../core/workload/bench-trace.js';
import {
  type ArrivalBatch,
  agentSeed,
  benchPatternRanges,
  RequestLoader,
  summarizeArrivals,
} from '../../../core/workload/index.js';

interface RefAgent {
  agent: string;
  enumIndex: number;
  count: number;
  firstArrivalS: number;
  lastArrivalS: number;
  sha256: string;
  first1000ArrivalS: number[];
  first1000OriginalIds: number[];
  phases: number;
  firstPhase: { pattern: string; avg_rate: number; duration: number; start_time: number };
  lastPhase: { pattern: string; avg_rate: number; duration: number; start_time: number };
}

const fixtureDir = new URL('../../fixtures/workload/', import.meta.url);
const ref = JSON.parse(readFileSync(new URL('reference-bench-trace.json', fixtureDir), 'utf8')) as {
  totalRequests: number;
  itemCountPerAgent: number;
  agents: RefAgent[];
};
const bench = loadBenchConfig(new URL('reference-bench-config.yaml', fixtureDir).pathname);

function generateAll(): ArrivalBatch[] {
  const loader = new RequestLoader({
    agents: bench.agents,
    itemCounts: bench.agents.map(() => ref.itemCountPerAgent),
    numSteps: bench.benchmarkLength,
    actionIntervalS: 120,
    ranges: benchPatternRanges(bench),
    rng: new CPythonRandom(0),
    seed: bench.seed,
  });
  return bench.agents.map((_, j) => loader.generate(j, 0, 0));
}

describe("the reference's bench trace (seed 77, 1024 steps, Coding/RAG/Chat)", () => {
  const batches = generateAll();

  it('seeds each agent with seed XOR j·0x9E3779B9 in enum order', () => {
    expect(bench.agents).toEqual(['CodingAgent', 'RAGAgent', 'ChatAgent']);
    expect([0, 1, 2].map((j) => agentSeed(77, j))).toEqual([77n, 2654435828n, 5308871487n]);
  });

  it('has exactly 735,086 requests, split per agent as the reference', () => {
    expect(batches.reduce((s, b) => s + b.arrivalTimesS.length, 0)).toBe(735086);
    expect(ref.totalRequests).toBe(735086);
    expect(batches.map((b) => b.arrivalTimesS.length)).toEqual([206801, 241103, 287182]);
  });

  it.each(ref.agents.map((a) => [a.agent, a] as const))(
    '%s: the first 1,000 arrival times are the same doubles, and so is every other one (checksum)',
    (_name, a) => {
      const b = batches[a.enumIndex]!;
      expect(Array.from(b.arrivalTimesS.subarray(0, 1000))).toEqual(a.first1000ArrivalS);
      const s = summarizeArrivals(b.arrivalTimesS);
      expect(s).toEqual({
        count: a.count,
        firstArrivalS: a.firstArrivalS,
        lastArrivalS: a.lastArrivalS,
        sha256: a.sha256,
      });
    },
  );

  it.each(ref.agents.map((a) => [a.agent, a] as const))(
    '%s: the shuffled item order and the phase history match',
    (_name, a) => {
      const b = batches[a.enumIndex]!;
      expect(Array.from(b.itemIndices.subarray(0, 1000))).toEqual(a.first1000OriginalIds);
      expect(b.phases.length).toBe(a.phases);
      const last = b.phases[b.phases.length - 1]!;
      for (const [mine, theirs] of [
        [b.phases[0]!, a.firstPhase],
        [last, a.lastPhase],
      ] as const) {
        expect(mine).toEqual({
          pattern: theirs.pattern,
          startS: theirs.start_time,
          durationS: theirs.duration,
          avgRatePerS: theirs.avg_rate,
        });
      }
    },
  );

  it('CodingAgent starts with a busy phase of 1930.387 s holding 6776 requests (spec/benchmark.md §9)', () => {
    const coding = batches[0]!;
    const first = coding.phases[0]!;
    expect(first.pattern).toBe('busy');
    expect(first.durationS).toBeCloseTo(1930.387, 3);
    const end = first.startS + first.durationS;
    expect(coding.arrivalTimesS.filter((t) => t <= end).length).toBe(6776);
  });
});

describe('the bench trace (core/bench generateBenchTrace) is that generator', () => {
  it("gives the reference's 735,086 requests with the same arrival times and item order", () => {
    const trace = generateBenchTrace({
      bench,
      agents: bench.agents,
      itemCounts: bench.agents.map(() => ref.itemCountPerAgent),
      actionIntervalS: 120,
    });
    expect(trace.totalRequests).toBe(735086);
    expect(trace.horizonS).toBe(122880);
    for (const a of ref.agents) {
      const arrivals = trace.agents[a.enumIndex]!.arrivals;
      expect(trace.agents[a.enumIndex]!.seed).toBe(agentSeed(77, a.enumIndex));
      expect(summarizeArrivals(Float64Array.from(arrivals, (x) => x.arrivalTimeS)).sha256).toBe(a.sha256);
      expect(arrivals.slice(0, 1000).map((x) => x.itemIndex)).toEqual(a.first1000OriginalIds);
      expect(arrivals.every((x) => x.agent === a.enumIndex)).toBe(true);
    }
  });
});
