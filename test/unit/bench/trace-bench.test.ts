import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type BenchSetup, loadBenchSetup, runBench } from '../../../core/bench/index.js';
import { loadBenchConfig } from '../../../core/config/bench.js';
import { heuristic, qas, staticNoMig } from '../../../core/control/index.js';
import { DatasetError } from '../../../core/errors.js';
import { readArrivalTraceCsv } from '../../../core/workload/arrival-csv.js';
import { syntheticTokenTables } from '../../../core/workload/token-tables.js';
import { sim2, training } from '../rl/setup.js';

const dir = mkdtempSync(join(tmpdir(), 'migflow-trace-bench-'));
const file = join(dir, 'trace.csv');
const rows = ['timestamp,agent,input_tokens,output_tokens'];
// 30 minutes: Coding asks 1 req/s with no output at all, RAG 0.5 req/s with 100-token answers.
for (let i = 0; i < 1800; i++) {
  rows.push(`${i + 0.25},CodingAgent,${400 + (i % 50)},0`);
  if (i % 2 === 0) rows.push(`${i + 0.5},RAGAgent,${300 + (i % 40)},100`);
}
writeFileSync(file, `${rows.join('\n')}\n`);

const arrivalTrace = readArrivalTraceCsv(file, { agents: sim2.agentsEnumOrder });
const setup: BenchSetup = {
  simulation: sim2,
  training,
  bench: loadBenchConfig('configs/bench_config.yaml'),
  tokens: syntheticTokenTables(7, 300),
  arrivalTrace,
};

describe('bench on a recorded trace', () => {
  it('replays the CSV arrivals and token counts to every policy, over the intervals the trace covers', () => {
    const { prepared, trials } = runBench(setup, [staticNoMig, heuristic, qas]);
    expect(prepared.steps).toBe(15);
    expect(prepared.trace.totalRequests).toBe(2700);
    for (const t of trials) {
      const [coding, rag] = t.agents;
      expect(coding!.completedRequests).toBeGreaterThan(1500);
      // Coding's rows ask for no output, so it generated no tokens; RAG's did.
      expect(coding!.tokensByMigPct).toBeNull();
      expect(rag!.tokensByMigPct).not.toBeNull();
    }
    const again = runBench(setup, [qas, heuristic, staticNoMig]).trials;
    expect(JSON.stringify(again.reverse())).toBe(JSON.stringify(trials));
  });

  it('loads the trace from files for the CLI and the trial process; an empty CSV is a clear error', () => {
    const s = loadBenchSetup({
      simulationConfig: 'configs/simulation_config.yaml',
      trainingConfig: 'configs/training_config.yaml',
      benchConfig: 'configs/bench_config.yaml',
      syntheticTokens: false,
      trace: { file },
    });
    expect(s.arrivalTrace?.totalRequests).toBe(2700);
    const empty = join(dir, 'empty.csv');
    writeFileSync(empty, '');
    expect(() =>
      loadBenchSetup({
        simulationConfig: 'configs/simulation_config.yaml',
        trainingConfig: 'configs/training_config.yaml',
        benchConfig: 'configs/bench_config.yaml',
        syntheticTokens: true,
        trace: { file: empty },
      }),
    ).toThrow(DatasetError);
  });
});
