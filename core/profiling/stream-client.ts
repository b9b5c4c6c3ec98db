/**
 * One streaming OpenAI request, timed the way `vllm bench serve` times it: TTFT = POST → first SSE chunk with
 * `choices`; every later `choices` chunk adds one inter-token gap; latency = POST → last such chunk; the usage
 * chunk supplies prompt/completion token counts. A stream that ends before `data: [DONE]` (server crash, dropped
 * connection), a non-2xx status or a timeout is a failed request with the reason in `error`.
 * Uses node:http with a keep-alive agent and timestamps each socket read, so client overhead stays small.
 */
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';

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

export const keepAliveAgent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });

interface Chunk {
  choices?: { text?: string; delta?: { content?: string | null } }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
}

export function streamCompletion(r: StreamRequest, agent: Agent = keepAliveAgent): Promise<StreamOutcome> {
  return new Promise((resolve) => {
    const out = newStreamOutcome(r.requestId, performance.now());
    let settled = false;
    let lastMs = 0;
    let done = false;
    const finish = (error: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      r.signal?.removeEventListener('abort', onAbort);
      if (error) {
        out.success = false;
        out.error = error;
        out.ttftS = 0;
        out.itlS = [];
      } else {
        out.success = true;
        out.latencyS = (lastMs - out.startMs) / 1000;
      }
      resolve(out);
    };
    const req = request(
      r.url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(r.body),
          'x-request-id': r.requestId,
        },
      },
      (res) => {
        res.setEncoding('utf8');
        if ((res.statusCode ?? 0) < 200 || (res.statusCode ?? 0) >= 300) {
          let text = '';
          res.on('data', (c: string) => {
            text += c;
          });
          res.on('end', () => {
            let msg = text.slice(0, 500);
            try {
              msg = (JSON.parse(text) as { message?: string }).message ?? msg;
            } catch {}
            finish(`HTTP ${res.statusCode}: ${msg}`);
          });
          res.on('error', (e) => finish(`HTTP ${res.statusCode}: ${e.message}`));
          return;
        }
        let buf = '';
        res.on('data', (c: string) => {
          const now = performance.now();
          // SSE allows CRLF line ends; JSON payloads never hold a raw CR.
          buf += c.includes('\r') ? c.replaceAll('\r', '') : c;
          let sep = buf.indexOf('\n\n');
          while (sep >= 0) {
            const event = buf.slice(0, sep);
            buf = buf.slice(sep + 2);
            sep = buf.indexOf('\n\n');
            for (const line of event.split('\n')) {
              if (!line.startsWith('data:')) continue;
              const data = line.slice(5).trim();
              if (data === '[DONE]') {
                done = true;
                continue;
              }
              let chunk: Chunk;
              try {
                chunk = JSON.parse(data) as Chunk;
              } catch {
                req.destroy();
                finish(`malformed SSE chunk after ${out.chunks} chunks: ${data.slice(0, 200)}`);
                return;
              }
              const choice = chunk.choices?.[0];
              if (choice) {
                if (out.chunks === 0) out.ttftS = (now - out.startMs) / 1000;
                else out.itlS.push((now - lastMs) / 1000);
                lastMs = now;
                out.chunks++;
                out.chunkTimesMs.push(now);
                out.generatedText += choice.text ?? choice.delta?.content ?? '';
              } else if (chunk.usage) {
                out.promptTokens = chunk.usage.prompt_tokens ?? null;
                out.completionTokens = chunk.usage.completion_tokens ?? null;
              }
            }
          }
        });
        res.on('end', () => {
          if (!done)
            finish(`stream ended before [DONE] after ${out.chunks} chunks (connection closed by server)`);
          else if (out.chunks === 0) finish('Never received a valid chunk to calculate TTFT.');
          else finish('');
        });
        res.on('aborted', () =>
          finish(`stream dropped after ${out.chunks} chunks (connection reset by server)`),
        );
        res.on('error', (e) => finish(`stream dropped after ${out.chunks} chunks (${(e as Error).message})`));
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      finish(`timed out after ${r.timeoutMs / 1000} s (${out.chunks} chunks received)`);
    }, r.timeoutMs);
    const onAbort = () => {
      req.destroy();
      finish('cancelled');
    };
    r.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (e) => finish(`request failed after ${out.chunks} chunks: ${e.message}`));
    req.end(r.body);
  });
}
