/**
 * The one streaming client of an engine's OpenAI API (vLLM or its emulator), for profiling, validation and
 * deployment alike. `postStream` is the transport: one POST over node:http with a keep-alive agent, the SSE stream
 * read line by line with every `data:` payload timestamped at the socket read that completed it (client overhead
 * stays out of the timings), and exactly one end — [DONE], an HTTP error, a broken or unfinished stream, the
 * timeout or cancellation. Two timings are built on it, because two measurements need them:
 *
 * - `streamCompletion` times a request as `vllm bench serve` does (the profiling sweeps and their fits):
 *   TTFT = POST → first chunk with `choices`, one inter-token gap per later such chunk, latency = POST → the last;
 * - `streamChat` times a chat request as the reference's deployment does: TTFT = POST → first SSE event of any
 *   kind, end-to-end = POST → end of stream, TPOT = (e2e − TTFT) / completion tokens of the usage chunk.
 */
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';

/** Shared by every request: connections to an engine are reused across requests. */
export const keepAliveAgent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });

export interface PostStreamRequest {
  url: URL;
  body: string;
  /** Sent as `x-request-id` (the engine logs it). */
  requestId?: string;
  /** Bounds the whole request, from the POST to the end of the stream. */
  timeoutMs: number;
  signal?: AbortSignal;
  agent?: Agent;
}

/** How a streamed request ended; `afterResponse` says whether the engine had answered with a status. */
export type StreamEnd =
  | { kind: 'done' }
  | { kind: 'unfinished' }
  | { kind: 'http'; status: number; body: string }
  | { kind: 'request-error'; message: string; code?: string; afterResponse: boolean }
  | { kind: 'dropped'; message: string }
  | { kind: 'timeout' }
  | { kind: 'cancelled'; afterResponse: boolean }
  | { kind: 'refused-event'; reason: string };

export interface StreamEnded {
  end: StreamEnd;
  /** performance.now() at the POST and at the end, ms. */
  startMs: number;
  endMs: number;
}

/**
 * POSTs `r.body` and calls `onData` with each `data:` payload (trimmed; `[DONE]` included) and the time it was
 * read. `onData` returning a string ends the request there as `refused-event` with that reason.
 */
export function postStream(
  r: PostStreamRequest,
  onData: (data: string, atMs: number) => string | undefined,
): Promise<StreamEnded> {
  return new Promise((resolve) => {
    const startMs = performance.now();
    let settled = false;
    let answered = false;
    let done = false;
    const finish = (end: StreamEnd) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      r.signal?.removeEventListener('abort', onAbort);
      resolve({ end, startMs, endMs: performance.now() });
    };
    const req = request(
      r.url,
      {
        method: 'POST',
        agent: r.agent ?? keepAliveAgent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(r.body),
          ...(r.requestId !== undefined ? { 'x-request-id': r.requestId } : {}),
        },
      },
      (res) => {
        answered = true;
        res.setEncoding('utf8');
        const status = res.statusCode ?? 0;
        if (status < 200 || status >= 300) {
          let text = '';
          res.on('data', (c: string) => {
            text += c;
          });
          res.on('end', () => finish({ kind: 'http', status, body: text }));
          res.on('error', (e) => finish({ kind: 'http', status, body: e.message }));
          return;
        }
        let buf = '';
        res.on('data', (c: string) => {
          const now = performance.now();
          // SSE allows CRLF line ends; JSON payloads never hold a raw CR.
          buf += c.includes('\r') ? c.replaceAll('\r', '') : c;
          let nl = buf.indexOf('\n');
          while (nl >= 0 && !settled) {
            const line = buf.slice(0, nl).trim();
            buf = buf.slice(nl + 1);
            nl = buf.indexOf('\n');
            if (!line.startsWith('data:')) continue;
            const data = line.slice(5).trim();
            if (data === '[DONE]') done = true;
            const refused = onData(data, now);
            if (refused !== undefined) {
              req.destroy();
              finish({ kind: 'refused-event', reason: refused });
            }
          }
        });
        res.on('end', () => finish(done ? { kind: 'done' } : { kind: 'unfinished' }));
        res.on('aborted', () => finish({ kind: 'dropped', message: 'connection reset by server' }));
        res.on('error', (e) => finish({ kind: 'dropped', message: (e as Error).message }));
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      finish({ kind: 'timeout' });
    }, r.timeoutMs);
    const onAbort = () => {
      req.destroy();
      finish({ kind: 'cancelled', afterResponse: answered });
    };
    if (r.signal?.aborted) onAbort();
    else r.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (e: NodeJS.ErrnoException) =>
      finish({
        kind: 'request-error',
        message: e.message,
        ...(e.code !== undefined ? { code: e.code } : {}),
        afterResponse: answered,
      }),
    );
    req.end(r.body);
  });
}

/** An OpenAI streaming chunk: a token (`choices`) or the usage summary. */
interface Chunk {
  choices?: { text?: string; delta?: { content?: string | null } }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
}

// ---- vllm bench serve's timing ----

export interface StreamRequest {
  url: URL;
  body: string;
  requestId: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface StreamOutcome {
  requestId: string;
  success: boolean;
  /** performance.now() at the POST, ms. */
  startMs: number;
  ttftS: number;
  itlS: number[];
  latencyS: number;
  /** From the usage chunk, when the server sent one. */
  promptTokens: number | null;
  completionTokens: number | null;
  chunks: number;
  generatedText: string;
  error: string;
  /** Token arrival times (performance.now(), ms) for throughput-per-second accounting. */
  chunkTimesMs: number[];
}

/** A request's outcome before anything arrived: failed until the stream completes (streamCompletion fills it in). */
export function newStreamOutcome(requestId: string, startMs: number): StreamOutcome {
  return {
    requestId,
    success: false,
    startMs,
    ttftS: 0,
    itlS: [],
    latencyS: 0,
    promptTokens: null,
    completionTokens: null,
    chunks: 0,
    generatedText: '',
    error: '',
    chunkTimesMs: [],
  };
}

/**
 * One streaming request timed as `vllm bench serve` times it (see the module doc). A stream that ends before
 * `data: [DONE]`, a malformed chunk, a non-2xx status or the timeout is a failed request with the reason in `error`.
 */
export async function streamCompletion(
  r: StreamRequest,
  agent: Agent = keepAliveAgent,
): Promise<StreamOutcome> {
  let out = newStreamOutcome(r.requestId, 0);
  let lastMs = 0;
  const ended = await postStream({ ...r, agent }, (data, now) => {
    if (data === '[DONE]') return undefined;
    let chunk: Chunk;
    try {
      chunk = JSON.parse(data) as Chunk;
    } catch {
      return `malformed SSE chunk after ${out.chunks} chunks: ${data.slice(0, 200)}`;
    }
    const choice = chunk.choices?.[0];
    if (choice) {
      if (out.chunks === 0) out.ttftS = now;
      else out.itlS.push((now - lastMs) / 1000);
      lastMs = now;
      out.chunks++;
      out.chunkTimesMs.push(now);
      out.generatedText += choice.text ?? choice.delta?.content ?? '';
    } else if (chunk.usage) {
      out.promptTokens = chunk.usage.prompt_tokens ?? null;
      out.completionTokens = chunk.usage.completion_tokens ?? null;
    }
    return undefined;
  });
  // The start is known only now: the first chunk's time was kept absolute until then.
  out = { ...out, startMs: ended.startMs, ttftS: out.chunks > 0 ? (out.ttftS - ended.startMs) / 1000 : 0 };
  const error = completionError(ended.end, out.chunks, r.timeoutMs);
  if (error) return { ...out, success: false, error, ttftS: 0, itlS: [] };
  return { ...out, success: true, latencyS: (lastMs - out.startMs) / 1000 };
}

function completionError(end: StreamEnd, chunks: number, timeoutMs: number): string {
  switch (end.kind) {
    case 'done':
      return chunks === 0 ? 'Never received a valid chunk to calculate TTFT.' : '';
    case 'unfinished':
      return `stream ended before [DONE] after ${chunks} chunks (connection closed by server)`;
    case 'http': {
      let msg = end.body.slice(0, 500);
      try {
        msg = (JSON.parse(end.body) as { message?: string }).message ?? msg;
      } catch {}
      return `HTTP ${end.status}: ${msg}`;
    }
    case 'request-error':
      return `request failed after ${chunks} chunks: ${end.message}`;
    case 'dropped':
      return `stream dropped after ${chunks} chunks (${end.message})`;
    case 'timeout':
      return `timed out after ${timeoutMs / 1000} s (${chunks} chunks received)`;
    case 'cancelled':
      return 'cancelled';
    case 'refused-event':
      return end.reason;
  }
}

// ---- the reference deployment's timing ----

export type RequestStatus = 'completed' | 'failed' | 'cancelled';

export interface ChatStreamOutcome {
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

export interface ChatStreamRequest {
  baseUrl: string;
  model: string;
  prompt: string;
  maxTokens?: number;
  timeoutMs: number;
  /** Aborting cancels the request (outcome `cancelled`). */
  signal?: AbortSignal;
}

/**
 * One streamed chat request timed as the reference's deployment does (see the module doc). Every request ends in
 * exactly one outcome — completed, failed (with a reason) or cancelled — so none is silently lost. A malformed
 * event does not end the stream; the usage chunk decides the token count.
 */
export async function streamChat(req: ChatStreamRequest): Promise<ChatStreamOutcome> {
  let firstMs = -1;
  let completionTokens = 0;
  let promptTokens = 0;
  const { end, startMs, endMs } = await postStream(
    {
      url: new URL(`${req.baseUrl}/v1/chat/completions`),
      body: JSON.stringify({
        model: req.model,
        messages: [{ role: 'user', content: req.prompt }],
        max_tokens: req.maxTokens ?? 2048,
        temperature: 0,
        stream: true,
        stream_options: { include_usage: true },
      }),
      timeoutMs: req.timeoutMs,
      ...(req.signal ? { signal: req.signal } : {}),
    },
    (data, now) => {
      if (firstMs < 0) firstMs = now;
      if (data === '[DONE]') return undefined;
      try {
        const ev = JSON.parse(data) as Chunk;
        if (ev.usage) {
          completionTokens = ev.usage.completion_tokens ?? 0;
          promptTokens = ev.usage.prompt_tokens ?? 0;
        }
      } catch {}
      return undefined;
    },
  );
  const e2eS = (endMs - startMs) / 1000;
  const ttftS = firstMs < 0 ? e2eS : (firstMs - startMs) / 1000;
  const outcome = (status: RequestStatus, reason?: string, connectionError?: boolean): ChatStreamOutcome => ({
    status,
    ...(reason ? { reason } : {}),
    ...(connectionError ? { connectionError } : {}),
    ttftS,
    e2eS,
    tpotS: completionTokens > 0 ? (e2eS - ttftS) / completionTokens : 0,
    completionTokens,
    promptTokens,
  });
  switch (end.kind) {
    case 'done':
      return outcome('completed');
    case 'unfinished':
      return outcome('failed', 'stream ended without [DONE]');
    case 'http':
      return outcome('failed', `HTTP ${end.status}${end.body ? `: ${end.body.slice(0, 200)}` : ''}`);
    case 'request-error':
      return end.afterResponse
        ? outcome('failed', `stream broken: ${end.code ?? end.message}`)
        : outcome('failed', `connection: ${end.code ?? end.message}`, true);
    case 'dropped':
      return outcome('failed', `stream broken: ${end.message}`);
    case 'timeout':
      return outcome('failed', 'timeout');
    case 'cancelled':
      return outcome(
        'cancelled',
        end.afterResponse ? 'cancelled mid-stream' : 'cancelled before the engine answered',
      );
    case 'refused-event':
      return outcome('failed', end.reason);
  }
}
