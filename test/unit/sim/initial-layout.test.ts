import { describe, expect, it } from 'vitest';
import { loadSimulationConfig } from '../../../core/config/simulation.js';
import { clusterSpecFromConfig, initialLayout, Simulator } from '../../../core/sim/index.js';
import { constantTokens } from '../../fixtures/sim/cluster.js';
import { seededTestRng } from '../../fixtures/sim/test-rng.js';

const B200_3 = loadSimulationConfig('configs/examples/b200-three-agents/simulation_config.yaml');
const A100_2 = loadSimulationConfig('configs/simulation_config.yaml');

function setup(cfg: typeof B200_3, seed: number) {
  const rng = seededTestRng(seed);
  const choice = { choiceIndex: (n: number) => Math.floor(rng.random() * n) };
  const sim = new Simulator({ cluster: clusterSpecFromConfig(cfg, () => constantTokens(1000, 200)), rng });
  return { sim, choice };
}

const describeGpu = (sim: Simulator, gpu: number) =>
  sim
    .gpuEngines(gpu)
    .map((e) => `${sim.agents[e.owner]!.name}:${e.profile.name}${e.unused ? ':unused' : ''}`);

describe('initial layout and cluster from simulation_config (spec §1.5, check 3)', () => {
  it('3 agents: the permanent A100 holds Chat, Coding, RAG 2g.10gb plus an unused 1g.10gb (state 12)', () => {
    const { sim, choice } = setup(B200_3, 1);
    for (let i = 0; i < 20; i++) {
      sim.reset(initialLayout(B200_3, 'random', choice));
      expect(sim.cluster.gpus.map((g) => g.model)).toEqual(['B200', 'B200', 'B200', 'A100_40GB']);
      expect(sim.gpuState(3)).toBe(12);
      const perm = describeGpu(sim, 3);
      expect(perm.slice(0, 3)).toEqual(['ChatAgent:2g.10gb', 'CodingAgent:2g.10gb', 'RAGAgent:2g.10gb']);
      expect(perm[3]).toMatch(/^\w+:1g\.10gb:unused$/);
      // Each managed GPU is wholly owned by its initial agent (YAML order i → GPU i).
      const owners = [0, 1, 2].map((g) => new Set(sim.gpuEngines(g).map((e) => sim.agents[e.owner]!.name)));
      expect(owners.map((s) => [...s])).toEqual([['ChatAgent'], ['CodingAgent'], ['RAGAgent']]);
      // The permanent engine comes first in every agent's list; the unused engine is in none.
      for (const a of sim.agents) expect(a.engines[0]!.permanent).toBe(true);
      expect(sim.agents.flatMap((a) => a.engines).some((e) => e.unused)).toBe(false);
    }
  });

  it('draws a uniform valid B200 state per managed GPU; aliasing reports 9, 13, 15 with 2/15, 2/15, 3/15', () => {
    const { sim, choice } = setup(B200_3, 2);
    const counts = new Map<number, number>();
    const n = 1500;
    for (let i = 0; i < n; i++) {
      sim.reset(initialLayout(B200_3, 'random', choice));
      for (const s of sim.managedGpuStates()) counts.set(s, (counts.get(s) ?? 0) + 1);
    }
    const freq = (s: number) => (counts.get(s) ?? 0) / (3 * n);
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 8, 9, 11, 12, 13, 15, 19]);
    // Binomial standard error at 4500 draws is ≤ 0.006; allow 0.02.
    expect(Math.abs(freq(9) - 2 / 15)).toBeLessThan(0.02);
    expect(Math.abs(freq(13) - 2 / 15)).toBeLessThan(0.02);
    expect(Math.abs(freq(15) - 3 / 15)).toBeLessThan(0.02);
    for (const s of [1, 2, 3, 4, 8, 11, 12, 19]) expect(Math.abs(freq(s) - 1 / 15)).toBeLessThan(0.02);
  });

  it('bench modes: no_mig gives one 7G per managed GPU, split_extreme gives state 19 on B200', () => {
    const { sim, choice } = setup(B200_3, 3);
    sim.reset(initialLayout(B200_3, 'no_mig', choice));
    expect(sim.managedGpuStates()).toEqual([1, 1, 1]);
    sim.reset(initialLayout(B200_3, 'split_extreme', choice));
    expect(sim.managedGpuStates()).toEqual([19, 19, 19]);
    expect(sim.gpuState(3)).toBe(12);
  });

  it('2 agents on A100: the permanent GPU pads to state 8 (3g.20gb) or 12 (2g.10gb + 1g.10gb)', () => {
    const { sim, choice } = setup(A100_2, 4);
    const seen = new Set<string>();
    for (let i = 0; i < 40; i++) {
      sim.reset(initialLayout(A100_2, 'random', choice));
      const perm = describeGpu(sim, 2).join(',');
      seen.add(`${sim.gpuState(2)}|${perm.replace(/(Coding|RAG)Agent:(\dg\.\d+gb):unused/g, '*:$2:unused')}`);
      for (const g of [0, 1]) expect([1, 2, 3, 8, 12]).toContain(sim.gpuState(g));
    }
    expect([...seen].sort()).toEqual([
      '12|CodingAgent:2g.10gb,RAGAgent:2g.10gb,*:2g.10gb:unused,*:1g.10gb:unused',
      '8|CodingAgent:2g.10gb,RAGAgent:2g.10gb,*:3g.20gb:unused',
    ]);
    sim.reset(initialLayout(A100_2, 'split_extreme', choice));
    expect(sim.managedGpuStates()).toEqual([12, 12]);
    expect(sim.gpuState(2)).toBe(12);
    sim.reset(initialLayout(A100_2, 'no_mig', choice));
    expect(sim.gpuState(2)).toBe(8);
  });
});
