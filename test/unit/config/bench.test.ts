import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBenchConfig, measuredServiceRatePerS, ttftCurve } from '../../../core/config/bench.js';
import { ConfigError } from '../../../core/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'migflow-bench-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

const WORKLOADS = `workloads:
  idle: {rate: [0.2, 0.5], duration: [3600, 4800]}
  even: {rate: [1.0, 2.5], duration: [1800, 2200]}
  busy:
    rate:
      CodingAgent: [3.0, 4.0]
      RAGAgent: [4.5, 5.5]
    duration: [1800, 2200]
  burst: {rate: [4.0, 5.0], duration: [300, 700]}
`;

function load(text: string) {
  const file = join(dir, `bench-${n++}.yaml`);
  writeFileSync(file, text);
  return { file, run: () => loadBenchConfig(file) };
}

function configError(text: string): ConfigError & { path: string } {
  const { file, run } = load(text);
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    const e = err as ConfigError;
    expect(e.file).toBe(file);
    expect(e.message).toContain(file);
    return Object.assign(e, { path: file });
  }
  throw new Error('expected a ConfigError');
}

describe('bench_config.yaml', () => {
  it('fills defaults, orders agents canonically and expands shared rate pairs per agent', () => {
    const cfg = load(`benchmark-length: 8\nagents: [RAGAgent, CodingAgent]\n${WORKLOADS}`).run();
    expect(cfg.seed).toBe(42);
    expect(cfg.benchmarkLength).toBe(8);
    expect(cfg.agents).toEqual(['CodingAgent', 'RAGAgent']);
    expect(cfg.workloads.idle.ratePerS).toEqual({ CodingAgent: [0.2, 0.5], RAGAgent: [0.2, 0.5] });
    expect(cfg.workloads.busy.ratePerS.RAGAgent).toEqual([4.5, 5.5]);
    expect(cfg.workloads.burst.durationS).toEqual([300, 700]);
    expect(cfg.heuristic).toEqual({
      utilizationFactor: 0.8,
      highThreshold: 1.2,
      lowThreshold: 0.8,
      serviceRatesPerS: {},
    });
    expect(cfg.qas).toEqual({
      lTargetS: 0.4,
      minQualityGain: 0.25,
      splitHeadroomFactor: 0.8,
      ttftCurves: {},
    });
    expect(cfg.workloadSequence).toBeUndefined();
  });

  it('looks up measured rates and curves, with 0 and an empty curve when not measured', () => {
    const cfg = load(`benchmark-length: 8
${WORKLOADS}heuristic:
  service_rates:
    A100_40GB:
      CodingAgent: {7g.40gb: 1.27}
qas:
  profile_table:
    A100_40GB:
      RAGAgent:
        2g.10gb: [[0.5, 0.3], [1.0, 0.35]]
`).run();
    expect(
      measuredServiceRatePerS(cfg.heuristic.serviceRatesPerS, 'A100_40GB', 'CodingAgent', '7g.40gb'),
    ).toBe(1.27);
    expect(measuredServiceRatePerS(cfg.heuristic.serviceRatesPerS, 'A100_40GB', 'RAGAgent', '7g.40gb')).toBe(
      0,
    );
    expect(ttftCurve(cfg.qas.ttftCurves, 'A100_40GB', 'RAGAgent', '2g.10gb')).toEqual([
      [0.5, 0.3],
      [1.0, 0.35],
    ]);
    expect(ttftCurve(cfg.qas.ttftCurves, 'B200', 'RAGAgent', '2g.45gb')).toEqual([]);
  });

  it('names an unknown key with its line and says to remove it', () => {
    const e = configError(`benchmark-length: 8\nseeed: 3\n${WORKLOADS}`);
    expect(e.problem).toMatch(/seeed/);
    expect(e.fix).toMatch(/remove or rename seeed/);
  });

  it('reports a wrong type at its dotted path and line, with what was found', () => {
    const e = configError(`benchmark-length: 8\n${WORKLOADS}heuristic:\n  high_threshold: high\n`);
    expect(e.field).toBe('heuristic.high_threshold (line 12)');
    expect(e.problem).toContain('found "high"');
    expect(e.fix).toBe('set heuristic.high_threshold to a number');
  });

  it('rejects an unknown agent name and lists the valid ones', () => {
    const e = configError(`benchmark-length: 8\nagents: [CodingAgent, SearchAgent]\n${WORKLOADS}`);
    expect(e.field).toBe('agents[1] (line 2)');
    expect(e.problem).toContain('found "SearchAgent"');
    expect(e.fix).toContain('"CodingAgent", "RAGAgent", "ChatAgent"');
  });

  it('requires benchmark-length', () => {
    const e = configError(WORKLOADS);
    expect(e.field).toMatch(/^benchmark-length/);
    expect(e.problem).toContain('found nothing');
    expect(e.fix).toBe('set benchmark-length to a number');
  });

  it('rejects a low threshold at or above the high one, naming both', () => {
    const e = configError(
      `benchmark-length: 8\n${WORKLOADS}heuristic:\n  high_threshold: 0.9\n  low_threshold: 1.1\n`,
    );
    expect(e.field).toBe('heuristic.low_threshold (line 13)');
    expect(e.problem).toContain('1.1 must be below high_threshold 0.9');
    expect(e.fix).toContain('lower heuristic.low_threshold');
  });

  it('rejects an inverted range and says to swap it', () => {
    const e = configError(`benchmark-length: 8\n${WORKLOADS.replace('[300, 700]', '[700, 300]')}`);
    expect(e.field).toBe('workloads.burst.duration (line 10)');
    expect(e.fix).toBe('swap them: [300, 700]');
  });

  it('requires a rate for every active agent in per-agent patterns', () => {
    const e = configError(`benchmark-length: 8\nagents: [CodingAgent, RAGAgent, ChatAgent]\n${WORKLOADS}`);
    expect(e.field).toBe('workloads.busy.rate (line 8)');
    expect(e.problem).toContain('no rate range for ChatAgent');
    expect(e.fix).toContain('ChatAgent: [min, max]');
  });

  it('rejects TTFT curves whose arrival rates do not ascend', () => {
    const e = configError(`benchmark-length: 8
${WORKLOADS}qas:
  profile_table:
    A100_40GB:
      CodingAgent:
        7g.40gb: [[0.5, 0.2], [0.4, 0.3]]
`);
    expect(e.field).toMatch(/^qas\.profile_table\.A100_40GB\.CodingAgent\.7g\.40gb\[1\]/);
    expect(e.fix).toBe('sort the points by their first number (req/s)');
  });

  it('requires workload_sequence maps to name every active agent', () => {
    const e = configError(
      `benchmark-length: 8\n${WORKLOADS}workload_sequence: [idle, {CodingAgent: busy}]\n`,
    );
    expect(e.field).toBe('workload_sequence[1] (line 11)');
    expect(e.problem).toContain('no pattern for RAGAgent');
  });
});
