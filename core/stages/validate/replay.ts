/**
 * The engine's side: the trace replayed in real time against an OpenAI-compatible server (the vLLM emulator in CI,
 * vLLM on a GPU), each request streamed and timed as `vllm bench serve` times it, with ignore_eos so the server
 * generates exactly the trace's completion length.
 */
import { performance } from 'node:perf_hooks';
import { streamCompletion } from '../../engines/index.js';
import { sleep } from '../../util/index.js';
import type { RequestTiming } from './measure.js';
import type { TraceRequest } from './trace.js';

const WORDS = ['serve', 'token', 'slice', 'cache', 'batch', 'queue', 'model', 'agent'];

/** A prompt the emulator counts as `n` tokens (one per word); a real tokenizer reports its own count in usage. */
function prompt(n: number, salt: number): string {
  return Array.from({ length: n }, (_, i) => WORDS[(i * 7 + salt) % WORDS.length]).join(' ');
}

export async function replayTrace(
  baseUrl: string,
  model: string,
  trace: readonly TraceRequest[],
  signal?: AbortSignal,
): Promise<RequestTiming[]> {
  const url = new URL('/v1/completions', baseUrl);
  const start = performance.now();
  const pending = trace.map(async (r, i) => {
    await sleep(start + r.arrivalS * 1000 - performance.now(), signal);
    const out = await streamCompletion({
      url,
      body: JSON.stringify({
        model,
        prompt: prompt(r.promptTokens, i),
        max_tokens: r.completionTokens,
        ignore_eos: true,
        stream: true,
        stream_options: { include_usage: true },
      }),
      requestId: `validate-${i}`,
      timeoutMs: 300_000,
      ...(signal ? { signal } : {}),
    });
    if (!out.success) throw new Error(`request ${i} to ${baseUrl} failed: ${out.error}`);
    const n = out.completionTokens ?? out.itlS.length + 1;
    const arrivalS = (out.startMs - start) / 1000;
    return {
      arrivalS,
      ttftS: out.ttftS,
      tpotS: n > 1 ? (out.latencyS - out.ttftS) / (n - 1) : 0,
      finishS: arrivalS + out.latencyS,
      completionTokens: n,
    };
  });
  return Promise.all(pending);
}
