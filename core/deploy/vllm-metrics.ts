/**
 * Reading a vLLM engine's Prometheus `/metrics` the way the reference does: for each metric, the first sample that
 * carries a label set; a missing metric, an unlabelled sample or a non-number (`NaN`, `+Inf`) reads as 0. Both the
 * current and the older metric names are accepted.
 */
export interface VllmMetrics {
  running: number;
  waiting: number;
  /** KV cache usage as a fraction 0..1. */
  kvUsage: number;
  /** Lifetime mean time per output token in seconds (0 before the first completion). */
  tpotMeanS: number;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** First labelled sample of `name` (exact name, suffix included), or undefined. */
export function metricValue(text: string, name: string): number | undefined {
  const m = new RegExp('^' + escapeRe(name) + '\\{[^}]*\\}\\s+([0-9.eE+-]+)\\s*$', 'm').exec(text);
  if (!m) return undefined;
  const v = Number(m[1]);
  return Number.isFinite(v) ? v : undefined;
}

function first(text: string, names: readonly string[]): number | undefined {
  for (const n of names) {
    const v = metricValue(text, n);
    if (v !== undefined) return v;
  }
  return undefined;
}

export function parseVllmMetrics(text: string): VllmMetrics {
  const tpotSum = first(text, [
    'vllm:time_per_output_token_seconds_sum',
    'vllm:request_time_per_output_token_seconds_sum',
    'vllm:inter_token_latency_seconds_sum',
  ]);
  const tpotCount = first(text, [
    'vllm:time_per_output_token_seconds_count',
    'vllm:request_time_per_output_token_seconds_count',
    'vllm:inter_token_latency_seconds_count',
  ]);
  return {
    running: first(text, ['vllm:num_requests_running']) ?? 0,
    waiting: first(text, ['vllm:num_requests_waiting']) ?? 0,
    kvUsage: first(text, ['vllm:kv_cache_usage_perc', 'vllm:gpu_cache_usage_perc']) ?? 0,
    tpotMeanS: tpotCount && tpotSum !== undefined ? tpotSum / tpotCount : 0,
  };
}

/** GET `<baseUrl>/metrics`; throws on a network error, a timeout or a non-2xx answer. */
export async function scrapeVllmMetrics(baseUrl: string, timeoutMs = 1_000): Promise<VllmMetrics> {
  const res = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`${baseUrl}/metrics answered ${res.status}`);
  return parseVllmMetrics(await res.text());
}

/** GET `<baseUrl>/health` answered 200 within `timeoutMs`. */
export async function isHealthy(baseUrl: string, timeoutMs = 2_000): Promise<boolean> {
  try {
    const res = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
    return res.status === 200;
  } catch {
    return false;
  }
}

/**
 * Waits until the engine reports nothing running and nothing waiting (polling every `pollMs`), or `timeoutMs`
 * passes. An unreachable engine counts as drained (nothing can still be served by it). Returns how it ended.
 */
export async function drainEngine(
  baseUrl: string,
  opts: { timeoutMs: number; pollMs?: number; signal?: AbortSignal },
): Promise<'drained' | 'unreachable' | 'timeout'> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    opts.signal?.throwIfAborted();
    let m: VllmMetrics;
    try {
      m = await scrapeVllmMetrics(baseUrl, 5_000);
    } catch {
      return 'unreachable';
    }
    if (m.running === 0 && m.waiting === 0) return 'drained';
    if (Date.now() >= deadline) return 'timeout';
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 2_000));
  }
}
