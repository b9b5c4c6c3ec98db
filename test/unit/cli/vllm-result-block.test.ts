/** `migflow profile sweep` prints vLLM's "Serving Benchmark Result" block per level, in vLLM's layout. */
import { describe, expect, it } from 'vitest';
import { planDuration, servingBenchmarkBlock } from '../../../cli/lib/vllm-result-block.js';

describe("vLLM's result block", () => {
  it('has the rules, rows and sections vllm bench serve prints', () => {
    const r: Record<string, unknown> = {
      completed: 100,
      failed: 0,
      max_concurrency: 8,
      duration: 10.5234,
      total_input_tokens: 102400,
      total_output_tokens: 51200,
      request_throughput: 9.5,
      output_throughput: 4865.3,
      max_output_tokens_per_s: 5200,
      max_concurrent_requests: 8,
      total_token_throughput: 14595.9,
    };
    for (const m of ['ttft', 'tpot', 'itl'])
      Object.assign(r, { [`mean_${m}_ms`]: 12.345, [`median_${m}_ms`]: 11, [`p99_${m}_ms`]: 40.5 });
    const lines = servingBenchmarkBlock(r).split('\n');
    expect(lines[0]).toBe('============ Serving Benchmark Result ============');
    expect(lines[1]).toBe(`${'Successful requests:'.padEnd(40)} 100`);
    expect(lines).toContain(`${'Benchmark duration (s):'.padEnd(40)} 10.52`);
    expect(lines).toContain(`${'Maximum request concurrency:'.padEnd(40)} 8`);
    expect(lines).toContain('---------------Time to First Token----------------');
    expect(lines).toContain('-----Time per Output Token (excl. 1st token)------');
    expect(lines).toContain(`${'P99 ITL (ms):'.padEnd(40)} 40.50`);
    expect(lines.at(-1)).toBe('='.repeat(50));
    expect(lines.every((l) => l.length <= 51)).toBe(true);
  });

  it("says how long the reference's default plan takes", () => {
    expect(planDuration({ prefill: { numPrompts: 1000, requestRate: 0.4 } })).toBe(
      'prefill: 1000 prompts at 0.4 req/s ≈ 42 min',
    );
  });
});
