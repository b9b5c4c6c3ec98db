/**
 * The load generator: sends a prompt set to an OpenAI-compatible server at a request rate (Poisson or fixed
 * spacing, or `inf`) under an optional max concurrency — the arrival and semaphore semantics of
 * `vllm bench serve` — and returns every request's timings. `benchResult` turns a run into the JSON that
 * `vllm bench serve --save-result --save-detailed` writes (same keys, units and failed-request conventions),
 * so fits read migflow's files and real vLLM files alike.
 */
import { performance } from 'node:perf_hooks';
import { type StreamOutcome, streamCompletion } from '../engines/index.js';
import type { Rng } from '../random/index.js';
import { sleep } from '../util/index.js';

export interface LoadRequest {
  prompt: string;
  /** The sampled prompt length; replaced by the server's usage.prompt_tokens when it reports one. */
  promptLen: number;
  /** max_tokens (with ignore_eos the server generates exactly this many). */
  outputLen: number;
}

export interface LoadOptions {
  baseUrl: string;
  model: string;
  requests: readonly LoadRequest[];
  requestRate: number | 'inf';
  arrival: 'poisson' | 'fixed';
  maxConcurrency: number | null;
  rng: Rng;
  endpoint?: 'completions' | 'chat';
  ignoreEos?: boolean;
  requestTimeoutMs?: number;
  /** Prefix of the X-Request-Id header (`<prefix>-<index>`), which the emulator records. */
  requestIdPrefix?: string;
  signal?: AbortSignal;
  onRequestDone?: (done: number, outcome: StreamOutcome) => void;
}

export interface LoadRun {
  outcomes: StreamOutcome[];
  /** The request lengths as sent (index-aligned with outcomes). */
  requests: readonly LoadRequest[];
  durationS: number;
  startMs: number;
  maxConcurrentRequests: number;
  opts: Pick<LoadOptions, 'model' | 'requestRate' | 'maxConcurrency' | 'endpoint' | 'arrival'>;
}

const sleepUntil = (ms: number, signal?: AbortSignal) => sleep(ms - performance.now(), signal);

export async function runLoad(o: LoadOptions): Promise<LoadRun> {
  const endpoint = o.endpoint ?? 'completions';
  const url = new URL(endpoint === 'chat' ? '/v1/chat/completions' : '/v1/completions', o.baseUrl);
  const timeoutMs = o.requestTimeoutMs ?? 300_000;
  const prefix = o.requestIdPrefix ?? `mf${process.pid}-${Date.now().toString(36)}`;
  const outcomes: StreamOutcome[] = new Array(o.requests.length);
  let inFlight = 0;
  let maxInFlight = 0;
  let finished = 0;
  const waiters: (() => void)[] = [];
  const limit = o.maxConcurrency ?? Number.POSITIVE_INFINITY;
  const startMs = performance.now();
  const pending: Promise<void>[] = [];
  let arrivalMs = startMs;
  for (let i = 0; i < o.requests.length; i++) {
    if (o.signal?.aborted) break;
    if (o.requestRate !== 'inf') {
      const gapS = o.arrival === 'poisson' ? o.rng.exponential(o.requestRate) : 1 / o.requestRate;
      // vLLM yields the first request at once and then sleeps the drawn gaps.
      if (i > 0) arrivalMs += gapS * 1000;
      await sleepUntil(arrivalMs, o.signal);
    }
    while (inFlight >= limit) await new Promise<void>((r) => waiters.push(r));
    if (o.signal?.aborted) break;
    const r = o.requests[i]!;
    const body =
      endpoint === 'chat'
        ? {
            model: o.model,
            messages: [{ role: 'user', content: r.prompt }],
            max_tokens: r.outputLen,
            stream: true,
            stream_options: { include_usage: true },
            ...(o.ignoreEos !== false ? { ignore_eos: true } : {}),
          }
        : {
            model: o.model,
            prompt: r.prompt,
            max_tokens: r.outputLen,
            stream: true,
            stream_options: { include_usage: true },
            ...(o.ignoreEos !== false ? { ignore_eos: true } : {}),
          };
    inFlight++;
    if (inFlight > maxInFlight) maxInFlight = inFlight;
    const index = i;
    pending.push(
      streamCompletion({
        url,
        body: JSON.stringify(body),
        requestId: `${prefix}-${index}`,
        timeoutMs,
        signal: o.signal,
      }).then((out) => {
        outcomes[index] = out;
        inFlight--;
        finished++;
        waiters.shift()?.();
        o.onRequestDone?.(finished, out);
      }),
    );
  }
  await Promise.all(pending);
  const sent = pending.length;
  return {
    outcomes: outcomes.slice(0, sent),
    requests: o.requests.slice(0, sent),
    durationS: (performance.now() - startMs) / 1000,
    startMs,
    maxConcurrentRequests: maxInFlight,
    opts: {
      model: o.model,
      requestRate: o.requestRate,
      maxConcurrency: o.maxConcurrency,
      endpoint,
      arrival: o.arrival,
    },
  };
}

function mean(xs: number[]): number {
  if (xs.length === 0) return 0;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}
/** numpy's population std. */
function std(xs: number[]): number {
  if (xs.length === 0) return 0;
  const m = mean(xs);
  let s = 0;
  for (const x of xs) s += (x - m) ** 2;
  return Math.sqrt(s / xs.length);
}
/** numpy's default (linear) percentile; 0 for an empty list, as vLLM feeds `x or 0`. */
export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const pos = (p / 100) * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

export type BenchResultJson = Record<string, unknown> & {
  max_concurrency: number | null;
  input_lens: number[];
  output_lens: number[];
  ttfts: number[];
  itls: number[][];
  errors: string[];
};

/** The run as `vllm bench serve --save-result --save-detailed` JSON (percentiles: 99; metrics ttft,tpot,itl,e2el). */
export function benchResult(run: LoadRun, meta: { date: string; numPrompts?: number }): BenchResultJson {
  const { outcomes } = run;
  const inputLens = outcomes.map((o, i) => o.promptTokens ?? run.requests[i]!.promptLen);
  const outputLens = outcomes.map((o) => (o.success ? (o.completionTokens ?? o.chunks) : 0));
  const ok = outcomes.map((o) => o.success);
  const completed = ok.filter(Boolean).length;
  let totalInput = 0;
  let totalOutput = 0;
  const ttfts: number[] = [];
  const tpots: number[] = [];
  const itls: number[] = [];
  const e2els: number[] = [];
  const perSecond = new Map<number, number>();
  outcomes.forEach((o, i) => {
    if (!o.success) return;
    totalInput += inputLens[i]!;
    totalOutput += outputLens[i]!;
    ttfts.push(o.ttftS);
    e2els.push(o.latencyS);
    for (const g of o.itlS) itls.push(g);
    if (outputLens[i]! > 1) tpots.push((o.latencyS - o.ttftS) / (outputLens[i]! - 1));
    for (const t of o.chunkTimesMs) {
      const sec = Math.floor((t - run.startMs) / 1000);
      perSecond.set(sec, (perSecond.get(sec) ?? 0) + 1);
    }
  });
  const d = run.durationS;
  const result: BenchResultJson = {
    date: meta.date,
    endpoint_type: run.opts.endpoint === 'chat' ? 'openai-chat' : 'openai',
    backend: run.opts.endpoint === 'chat' ? 'openai-chat' : 'openai',
    label: null,
    model_id: run.opts.model,
    tokenizer_id: run.opts.model,
    num_prompts: meta.numPrompts ?? outcomes.length,
    // Python's json.dump writes float('inf') as the string "inf" in vLLM's result files.
    request_rate: run.opts.requestRate === 'inf' ? 'inf' : run.opts.requestRate,
    burstiness: 1.0,
    max_concurrency: run.opts.maxConcurrency,
    duration: d,
    completed,
    failed: outcomes.length - completed,
    total_input_tokens: totalInput,
    total_output_tokens: totalOutput,
    request_throughput: completed / d,
    request_goodput: null,
    output_throughput: totalOutput / d,
    total_token_throughput: (totalInput + totalOutput) / d,
    input_lens: inputLens,
    output_lens: outputLens,
    ttfts: outcomes.map((o) => (o.success ? o.ttftS : 0)),
    itls: outcomes.map((o) => (o.success ? o.itlS : [])),
    start_times: outcomes.map((o) => (o.startMs - run.startMs) / 1000),
    generated_texts: outcomes.map((o) => (o.success ? o.generatedText : '')),
    errors: outcomes.map((o) => o.error),
    latencies: outcomes.map((o) => (o.success ? o.latencyS : 0)),
    max_output_tokens_per_s: Math.max(0, ...perSecond.values()),
    max_concurrent_requests: run.maxConcurrentRequests,
  };
  result.mean_concurrency_during_decode = decodeConcurrency(run);
  const metric = (name: string, xs: number[]) => {
    result[`mean_${name}_ms`] = mean(xs) * 1000;
    result[`median_${name}_ms`] = percentile(xs, 50) * 1000;
    result[`std_${name}_ms`] = std(xs) * 1000;
    result[`p99_${name}_ms`] = percentile(xs, 99) * 1000;
  };
  metric('ttft', ttfts);
  metric('tpot', tpots);
  metric('itl', itls);
  metric('e2el', e2els);
  return result;
}

/**
 * migflow-only key: per request, the time-weighted mean number of this run's requests in flight (itself included)
 * between its first and its last token; null for failed or single-token requests. The reference's TPOT fit uses the
 * configured max concurrency as N (kept, spec §8.2); this shows how far ramp and drain moved the real one.
 */
export function decodeConcurrency(run: LoadRun): (number | null)[] {
  const spans = run.outcomes.map((o) => ({
    start: o.startMs,
    end: o.startMs + o.latencyS * 1000,
    ok: o.success,
  }));
  return run.outcomes.map((o, i) => {
    if (!o.success || o.itlS.length === 0) return null;
    const from = o.startMs + o.ttftS * 1000;
    const to = spans[i]!.end;
    if (!(to > from)) return null;
    let covered = 0;
    for (const s of spans) {
      // A failed request occupied the server until its outcome; its latency is 0, so count it only when it succeeded.
      if (!s.ok) continue;
      const lo = Math.max(from, s.start);
      const hi = Math.min(to, s.end);
      if (hi > lo) covered += hi - lo;
    }
    return covered / (to - from);
  });
}

/** Failed requests grouped by the first words of their reason (for logs and CLI summaries). */
export function errorSummary(outcomes: readonly StreamOutcome[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const o of outcomes) {
    if (o.success) continue;
    const key = o.error.replace(/\d+/g, 'N').slice(0, 80);
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}
