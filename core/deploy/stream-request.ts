/**
 * One streamed chat request against an OpenAI-compatible engine, measured as the reference does: TTFT is the time
 * to the first SSE event of any kind, end-to-end is the time the stream ends, TPOT = (e2e − TTFT) / completion
 * tokens from the usage chunk. Every request ends in exactly one outcome — completed, failed (with a reason) or
 * cancelled — so none is silently lost. The timeout bounds both the whole request and any silence on the stream.
 */
export type RequestStatus = 'completed' | 'failed' | 'cancelled';

export interface StreamOutcome {
  status: RequestStatus;
  /** Why it failed or was cancelled. */
  reason?: string;
  /** True when the engine could not be reached at all (connection refused/reset before any answer). */
  connectionError?: boolean;
  ttftS: number;
  e2eS: number;
  tpotS: number;
  completionTokens: number;
  promptTokens: number;
}

export interface StreamRequest {
  baseUrl: string;
  model: string;
  prompt: string;
  maxTokens?: number;
  timeoutMs: number;
  /** Aborting cancels the request (outcome `cancelled`). */
  signal?: AbortSignal;
}

export async function streamChat(req: StreamRequest): Promise<StreamOutcome> {
  const start = performance.now();
  const since = () => (performance.now() - start) / 1000;
  const timeout = new AbortController();
  let timer = setTimeout(() => timeout.abort(new Error('timeout')), req.timeoutMs);
  const rearm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => timeout.abort(new Error('inactivity timeout')), req.timeoutMs);
  };
  const overall = setTimeout(() => timeout.abort(new Error('timeout')), req.timeoutMs);
  const signal = req.signal ? AbortSignal.any([req.signal, timeout.signal]) : timeout.signal;
  let ttftS = -1;
  let completionTokens = 0;
  let promptTokens = 0;
  const result = (status: RequestStatus, reason?: string, connectionError?: boolean): StreamOutcome => {
    const e2eS = since();
    const t = ttftS < 0 ? e2eS : ttftS;
    return {
      status,
      ...(reason ? { reason } : {}),
      ...(connectionError ? { connectionError } : {}),
      ttftS: t,
      e2eS,
      tpotS: completionTokens > 0 ? (e2eS - t) / completionTokens : 0,
      completionTokens,
      promptTokens,
    };
  };
  try {
    let res: Response;
    try {
      res = await fetch(`${req.baseUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: req.model,
          messages: [{ role: 'user', content: req.prompt }],
          max_tokens: req.maxTokens ?? 2048,
          temperature: 0,
          stream: true,
          stream_options: { include_usage: true },
        }),
        signal,
      });
    } catch (err) {
      if (req.signal?.aborted) return result('cancelled', 'cancelled before the engine answered');
      if (timeout.signal.aborted) return result('failed', 'timeout');
      return result('failed', `connection: ${causeOf(err)}`, true);
    }
    if (!res.ok || !res.body) {
      const body = (await res.text().catch(() => '')).slice(0, 200);
      return result('failed', `HTTP ${res.status}${body ? `: ${body}` : ''}`);
    }
    const decoder = new TextDecoder();
    let buf = '';
    let done = false;
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        rearm();
        buf += decoder.decode(chunk, { stream: true });
        let nl = buf.indexOf('\n');
        while (nl >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          nl = buf.indexOf('\n');
          if (!line.startsWith('data:')) continue;
          const data = line.slice(5).trim();
          if (ttftS < 0) ttftS = since();
          if (data === '[DONE]') {
            done = true;
            continue;
          }
          try {
            const ev = JSON.parse(data) as { usage?: { completion_tokens?: number; prompt_tokens?: number } };
            if (ev.usage) {
              completionTokens = ev.usage.completion_tokens ?? 0;
              promptTokens = ev.usage.prompt_tokens ?? 0;
            }
          } catch {
            // A malformed event does not end the stream; the usage chunk decides the token count.
          }
        }
      }
    } catch (err) {
      if (req.signal?.aborted) return result('cancelled', 'cancelled mid-stream');
      if (timeout.signal.aborted) return result('failed', 'timeout');
      return result('failed', `stream broken: ${causeOf(err)}`);
    }
    if (!done) return result('failed', 'stream ended without [DONE]');
    return result('completed');
  } finally {
    clearTimeout(timer);
    clearTimeout(overall);
  }
}

function causeOf(err: unknown): string {
  const e = err as { cause?: { code?: string; message?: string }; message?: string };
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}
