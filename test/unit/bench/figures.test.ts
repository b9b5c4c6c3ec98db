import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type BenchSetup,
  eventTimesS,
  runBench,
  type TrialResult,
  timelineSeries,
  timelineSpec,
  writeTrialFigures,
} from '../../../core/bench/index.js';
import { loadBenchConfig } from '../../../core/config/bench.js';
import { heuristic } from '../../../core/control/index.js';
import { renderVegaLiteSvg } from '../../../core/plot/index.js';
import { syntheticTokenTables } from '../../../core/workload/token-tables.js';
import { sim2, training } from '../rl/setup.js';

const trial = {
  actionLog: [
    { timeS: 240, action: 5, kind: 'split', giver: 0, name: 'a' },
    { timeS: 360, action: 9, kind: 'merge', giver: 1, name: 'b' },
    { timeS: 480, action: 30, kind: 'transfer', giver: 0, receiver: 1, name: 'c' },
    { timeS: 600, action: 6, kind: 'split', giver: 1, name: 'd' },
  ],
} as unknown as TrialResult;

const trace = {
  horizonS: 600,
  totalRequests: 0,
  agents: [
    {
      agent: 'CodingAgent' as const,
      seed: 77n,
      arrivals: [],
      phases: [
        { pattern: 'busy' as const, startS: 0, durationS: 300, avgRatePerS: 3 },
        { pattern: 'idle' as const, startS: 300, durationS: 400, avgRatePerS: 0.3 },
      ],
    },
  ],
};

describe('bench timeline figures', () => {
  it('marks splits, merges and every action with a receiver as transfers at their decision times', () => {
    expect(eventTimesS(trial, 'split')).toEqual([240, 600]);
    expect(eventTimesS(trial, 'merge')).toEqual([360]);
    expect(eventTimesS(trial, 'transfer')).toEqual([480]);
  });

  it('plots the pattern active at each tick (idle 0 … burst 3); a trace without patterns plots req/s per interval', () => {
    const s = timelineSeries(trace, [240, 360, 480], 120);
    expect(s.yLabels).toEqual(['idle', 'even', 'busy', 'burst']);
    expect(s.values[0]!.y).toEqual([2, 0, 0]);
    const csvLike = {
      ...trace,
      agents: [
        {
          ...trace.agents[0]!,
          phases: [],
          arrivals: [10, 20, 130, 200, 230].map((t) => ({ agent: 0, arrivalTimeS: t, itemIndex: 0 })),
        },
      ],
    };
    const r = timelineSeries(csvLike, [0, 120, 240], 120);
    expect(r.yLabels).toBeUndefined();
    expect(r.values[0]!.y).toEqual([2 / 120, 3 / 120, 0]);
  });

  it('the figure names the kind and run in a bold title, labels the axes, and lists the event only when there is one', async () => {
    const series = timelineSeries(trace, [240, 360, 480], 120);
    const svg = await renderVegaLiteSvg(
      timelineSpec('split', 'BASELINE_QAS', series, [240, 360, 480], [360]),
    );
    expect(svg).toContain('Workload Pattern Timeline (Split) - BASELINE_QAS');
    expect(svg).toContain('Simulation Time (sec)');
    expect(svg).toContain('Workload Pattern');
    expect(svg).toContain('>Split<');
    expect(svg).toContain('>busy<');
    const none = await renderVegaLiteSvg(timelineSpec('merge', 'X', series, [240, 360, 480], []));
    expect(none).not.toContain('>Merge<');
    expect(none).toContain('>CodingAgent<');
  });

  it('a trial writes figs/<run_name>/{split,merge,transfer}.png', async () => {
    const setup: BenchSetup = {
      simulation: sim2,
      training,
      bench: loadBenchConfig('configs/bench_config.yaml'),
      tokens: syntheticTokenTables(7, 300),
      steps: 8,
    };
    const { prepared, trials } = runBench(setup, [heuristic]);
    const out = mkdtempSync(join(tmpdir(), 'migflow-figs-'));
    const files = await writeTrialFigures(out, prepared, trials[0]!);
    expect(files).toEqual(
      ['split', 'merge', 'transfer'].map((k) => join(out, 'figs', 'BASELINE_HEURISTIC', `${k}.png`)),
    );
    for (const f of files) expect(readFileSync(f).subarray(1, 4).toString()).toBe('PNG');
  });
});
