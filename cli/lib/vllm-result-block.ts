/**
 * vLLM's "Serving Benchmark Result" block (what `vllm bench serve` prints after a run), from one level's bench JSON,
 * so `migflow profile sweep` reads like the tool engineers know: `{:<40} {:<10}` rows, floats to two decimals,
 * 50-wide rules with centred titles.
 */
type BenchJson = Record<string, unknown>;

const center = (title: string, fill: string) => {
  // Python's '{s:{c}^{n}}': extra fill goes to the right.
  const left = Math.floor((50 - title.length) / 2);
  return `${fill.repeat(Math.max(0, left))}${title}${fill.repeat(Math.max(0, 50 - left - title.length))}`;
};

function row(label: string, value: unknown, float = true): string {
  const v = typeof value === 'number' ? (float ? value.toFixed(2) : String(value)) : String(value ?? '-');
  return `${label.padEnd(40)} ${v.padEnd(10)}`.trimEnd();
}

export function servingBenchmarkBlock(r: BenchJson, title = 'Serving Benchmark Result'): string {
  const lines = [
    center(` ${title} `, '='),
    row('Successful requests:', r.completed, false),
    ...(typeof r.failed === 'number' && r.failed > 0 ? [row('Failed requests:', r.failed, false)] : []),
    ...(r.max_concurrency !== null && r.max_concurrency !== undefined
      ? [row('Maximum request concurrency:', r.max_concurrency, false)]
      : []),
    row('Benchmark duration (s):', r.duration),
    row('Total input tokens:', r.total_input_tokens, false),
    row('Total generated tokens:', r.total_output_tokens, false),
    row('Request throughput (req/s):', r.request_throughput),
    row('Output token throughput (tok/s):', r.output_throughput),
    row('Peak output token throughput (tok/s):', r.max_output_tokens_per_s),
    row('Peak concurrent requests:', r.max_concurrent_requests),
    row('Total Token throughput (tok/s):', r.total_token_throughput),
  ];
  for (const [name, head] of [
    ['ttft', 'Time to First Token'],
    ['tpot', 'Time per Output Token (excl. 1st token)'],
    ['itl', 'Inter-token Latency'],
  ] as const) {
    lines.push(center(head, '-'));
    const upper = name.toUpperCase();
    lines.push(row(`Mean ${upper} (ms):`, r[`mean_${name}_ms`]));
    lines.push(row(`Median ${upper} (ms):`, r[`median_${name}_ms`]));
    lines.push(row(`P99 ${upper} (ms):`, r[`p99_${name}_ms`]));
  }
  lines.push('='.repeat(50));
  return lines.join('\n');
}

/**
 * How long a sweep plan takes at least: a Poisson/fixed-rate run needs numPrompts / rate seconds to release its
 * requests; a concurrency level's time depends on the engine, so its size is stated in requests and tokens.
 */
export function planDuration(o: {
  prefill?: { numPrompts: number; requestRate: number | 'inf' };
  concurrency?: { levels: readonly number[]; prompts: readonly number[]; outputLen: number; pauseMs: number };
}): string {
  const parts: string[] = [];
  if (o.prefill) {
    const s = o.prefill.requestRate === 'inf' ? 0 : o.prefill.numPrompts / o.prefill.requestRate;
    parts.push(
      `prefill: ${o.prefill.numPrompts} prompts at ${o.prefill.requestRate} req/s ≈ ${s >= 120 ? `${Math.round(s / 60)} min` : `${Math.round(s)} s`}`,
    );
  }
  if (o.concurrency) {
    const c = o.concurrency;
    const total = c.prompts.reduce((a, b) => a + b, 0);
    parts.push(
      `concurrency: ${c.levels.length} levels (N = ${c.levels[0]}…${c.levels.at(-1)}), ${total} requests of ~${c.outputLen} output tokens (${Math.round((total * c.outputLen) / 1000)}k tokens; at 30 tok/s per request about ${Math.round((c.levels.reduce((s, n, i) => s + Math.ceil(c.prompts[i]! / n), 0) * c.outputLen) / 30 / 60)} min) plus ${((c.pauseMs * (c.levels.length - 1)) / 1000).toFixed(0)} s of pauses`,
    );
  }
  return parts.join('; ');
}
