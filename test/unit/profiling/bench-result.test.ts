/** The run summary metrics follow vllm bench serve's formulas (numpy mean, population std, linear percentiles). */
import { describe, expect, it } from 'vitest';
import { newStreamOutcome, type StreamOutcome } from '../../../core/engines/index.js';
import { benchResult, type LoadRun, percentile } from '../../../core/profiling/load-generator.js';

/** A successful request with the fields the test names. */
function outcome(o: Partial<StreamOutcome>): StreamOutcome {
  return { ...newStreamOutcome('r', 0), success: true, ...o };
}

describe('bench result metrics', () => {
  it('percentiles interpolate linearly like numpy', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([10, 20, 30, 40, 50], 99)).toBeCloseTo(49.6, 12);
    expect(percentile([], 99)).toBe(0);
  });

  it('computes TTFT, TPOT, ITL and E2EL over successful requests only, and totals from usage', () => {
    const run: LoadRun = {
      startMs: 0,
      durationS: 2,
      maxConcurrentRequests: 2,
      requests: [
        { prompt: 'a', promptLen: 10, outputLen: 3 },
        { prompt: 'b', promptLen: 20, outputLen: 5 },
        { prompt: 'c', promptLen: 30, outputLen: 2 },
      ],
      opts: {
        model: 'm',
        requestRate: 'inf',
        maxConcurrency: 2,
        endpoint: 'completions',
        arrival: 'poisson',
      },
      outcomes: [
        outcome({
          ttftS: 0.1,
          itlS: [0.02, 0.04],
          latencyS: 0.16,
          promptTokens: 11,
          completionTokens: 3,
          chunks: 3,
          startMs: 0,
          chunkTimesMs: [100, 120, 160],
        }),
        outcome({
          ttftS: 0.3,
          itlS: [0.01, 0.01, 0.01, 0.01],
          latencyS: 0.34,
          promptTokens: 21,
          completionTokens: 5,
          chunks: 5,
          startMs: 500,
          chunkTimesMs: [800, 810, 820, 830, 840],
        }),
        outcome({ success: false, error: 'stream dropped after 1 chunks', chunks: 1, startMs: 900 }),
      ],
    };
    const r = benchResult(run, { date: 'D' });
    expect(r).toMatchObject({ completed: 2, failed: 1, total_input_tokens: 32, total_output_tokens: 8 });
    // Failed requests keep their sampled length and zero/empty per-request entries, index-aligned.
    expect(r.input_lens).toEqual([11, 21, 30]);
    expect(r.output_lens).toEqual([3, 5, 0]);
    expect(r.ttfts).toEqual([0.1, 0.3, 0]);
    expect(r.itls[2]).toEqual([]);
    expect(r.errors).toEqual(['', '', 'stream dropped after 1 chunks']);
    expect(r.mean_ttft_ms).toBeCloseTo(200, 9);
    expect(r.std_ttft_ms).toBeCloseTo(100, 9);
    // TPOT = (latency − ttft) / (output − 1): 0.03 and 0.01 s.
    expect(r.mean_tpot_ms).toBeCloseTo(20, 9);
    // ITL over every gap of every successful request.
    expect(r.mean_itl_ms).toBeCloseTo(100 / 6, 9);
    expect(r.median_e2el_ms).toBeCloseTo(250, 9);
    expect(r.request_throughput).toBe(1);
    expect(r.output_throughput).toBe(4);
    expect(r.request_rate).toBe('inf');
    // All 8 tokens arrived within the first second.
    expect(r.max_output_tokens_per_s).toBe(8);
  });
});
