import { describe, expect, it } from 'vitest';
import { type BenchSetup, prepareBench, runBench, runTrial, trialText } from '../../../core/bench/index.js';
import { loadBenchConfig, type ResolvedBenchConfig } from '../../../core/config/bench.js';
import {
  heuristic,
  qas,
  resolvePolicies,
  staticNoMig,
  staticSplitExtreme,
} from '../../../core/control/index.js';
import { ConfigError } from '../../../core/errors.js';
import { syntheticTokenTables } from '../../../core/workload/token-tables.js';
import { sim2, sim3, training } from '../rl/setup.js';

const bench2 = loadBenchConfig('configs/bench_config.yaml');
const setup2: BenchSetup = {
  simulation: sim2,
  training,
  bench: bench2,
  tokens: syntheticTokenTables(7, 300),
  steps: 12,
};

const rate = { CodingAgent: [0.2, 0.5], RAGAgent: [0.1, 0.5], ChatAgent: [0.1, 0.5] } as const;
const bench3: ResolvedBenchConfig = {
  ...bench2,
  agents: ['CodingAgent', 'RAGAgent', 'ChatAgent'],
  workloads: Object.fromEntries(
    (['idle', 'even', 'busy', 'burst'] as const).map((p) => [p, { ratePerS: rate, durationS: [600, 900] }]),
  ) as unknown as ResolvedBenchConfig['workloads'],
};

describe('bench runner', () => {
  it('the same bench twice gives identical numbers', () => {
    const a = runBench(setup2, resolvePolicies(['all']));
    const b = runBench(setup2, resolvePolicies(['all']));
    expect(a.prepared.trace.totalRequests).toBeGreaterThan(0);
    expect(JSON.stringify(b.trials)).toBe(JSON.stringify(a.trials));
    expect(a.trials.map((t) => t.runName)).toEqual([
      'STATIC_NO_MIG',
      'STATIC_SPLIT_EXTREME',
      'BASELINE_HEURISTIC',
      'BASELINE_QAS',
      'BASELINE_LINUCB',
    ]);
    for (const t of a.trials) {
      expect(t.steps).toBe(12);
      expect(t.agents.map((x) => x.agent)).toEqual(['CodingAgent', 'RAGAgent']);
      expect(t.agents.every((x) => x.completedRequests > 0)).toBe(true);
    }
  });

  it('a policy gets identical numbers whatever order the policies run in', () => {
    const forward = runBench(setup2, [staticNoMig, heuristic, qas, staticSplitExtreme]).trials;
    const backward = runBench(setup2, [qas, staticSplitExtreme, heuristic, staticNoMig]).trials;
    const byPolicy = (ts: typeof forward) => Object.fromEntries(ts.map((t) => [t.policy, JSON.stringify(t)]));
    expect(byPolicy(backward)).toEqual(byPolicy(forward));
  });

  it('static baselines never act; a different seed changes the shared trace', () => {
    const prepared = prepareBench(setup2);
    const t = runTrial(prepared, staticNoMig);
    expect(t.actionLog).toEqual([]);
    expect(t.agents.every((a) => a.splitCount + a.mergeCount + a.transferCount === 0)).toBe(true);
    const other = prepareBench({ ...setup2, seed: 78 });
    expect(other.trace.agents[0]!.arrivals.slice(0, 3)).not.toEqual(
      prepared.trace.agents[0]!.arrivals.slice(0, 3),
    );
    // Each arrival stays within the horizon, and the phases tile time with no gap.
    for (const a of prepared.trace.agents) {
      expect(a.arrivals.every((r) => r.arrivalTimeS < prepared.trace.horizonS)).toBe(true);
      a.phases.forEach((p, i) => {
        if (i > 0) expect(p.startS).toBeCloseTo(a.phases[i - 1]!.startS + a.phases[i - 1]!.durationS, 9);
      });
    }
    expect(prepared.trace.agents.map((a) => a.seed)).toEqual([77n, 77n ^ 0x9e3779b9n]);
  });

  it('static layouts on B200 with three agents (spec §9 check 3)', () => {
    const setup3: BenchSetup = {
      simulation: sim3,
      training,
      bench: bench3,
      tokens: syntheticTokenTables(7, 300),
      steps: 2,
    };
    const prepared = prepareBench(setup3);
    const managed = (t: ReturnType<typeof runTrial>) =>
      t.initialState.filter((e) => !e.permanent).map((e) => `${e.gpu}:${e.agent}:${e.profile}`);
    const noMig = runTrial(prepared, staticNoMig);
    expect(managed(noMig)).toEqual(['0:ChatAgent:7g.180gb', '1:CodingAgent:7g.180gb', '2:RAGAgent:7g.180gb']);
    expect(
      noMig.initialState
        .filter((e) => e.permanent)
        .map((e) => `${e.gpu}:${e.unused ? 'pad' : e.agent}:${e.profile}`),
    ).toEqual(['3:ChatAgent:2g.10gb', '3:CodingAgent:2g.10gb', '3:RAGAgent:2g.10gb', '3:pad:1g.10gb']);
    const split = runTrial(prepared, staticSplitExtreme);
    for (const [gpu, agent] of [
      [0, 'ChatAgent'],
      [1, 'CodingAgent'],
      [2, 'RAGAgent'],
    ] as const) {
      const slices = split.initialState.filter((e) => e.gpu === gpu).map((e) => `${e.agent}:${e.profile}`);
      expect(slices.sort()).toEqual([...Array(6).fill(`${agent}:1g.23gb`), `${agent}:1g.45gb`].sort());
    }
    const text = trialText(prepared, split);
    expect(text).toContain('STARTING HYBRID BENCHMARKS');
    expect(text).toContain(`Generated ${prepared.trace.totalRequests} requests.`);
    expect(text).toContain('STATIC_SPLIT_EXTREME');
    expect(text).toContain('Unused (Pad)');
    expect(text).toContain('● Aggregate Metrics');
  });

  it('rejects unknown policies and a bench config whose agents differ from the simulation', () => {
    expect(() => resolvePolicies(['RL'])).toThrow(ConfigError);
    expect(() => resolvePolicies([])).toThrow(/no benchmark to run/);
    expect(() => prepareBench({ ...setup2, simulation: sim3 })).toThrow(/agents/);
  });
});
