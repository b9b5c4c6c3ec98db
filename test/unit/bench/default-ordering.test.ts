import { describe, expect, it } from 'vitest';
import { runBench } from '../../../core/bench/index.js';
import { loadBenchConfig } from '../../../core/config/bench.js';
import { heuristic, staticNoMig } from '../../../core/control/index.js';
import { syntheticTokenTables } from '../../../core/workload/token-tables.js';
import { sim2, training } from '../rl/setup.js';

describe('default bench ordering (the reference’s)', () => {
  it('on the default two-agent config and default bench workload the heuristic beats static_no_mig on mean TTFT', () => {
    const bench = loadBenchConfig('configs/bench_config.yaml');
    expect(bench.benchmarkLength).toBe(1024);
    const { trials } = runBench(
      { simulation: sim2, training, bench, tokens: syntheticTokenTables(bench.seed) },
      [staticNoMig, heuristic],
    );
    const [noMig, heur] = trials;
    expect(heur!.steps).toBe(1024);
    heur!.agents.forEach((a, i) => {
      expect(
        a.meanTtftS,
        `${a.agent}: heuristic ${a.meanTtftS} vs static_no_mig ${noMig!.agents[i]!.meanTtftS}`,
      ).toBeLessThan(noMig!.agents[i]!.meanTtftS);
    });
  }, 600_000);
});
