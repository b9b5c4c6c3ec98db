/**
 * The emulator's HTTP surface: vLLM's OpenAI-compatible routes (/v1/models, /v1/completions,
 * /v1/chat/completions — streaming SSE with the final usage chunk and `[DONE]`, or one JSON body), /health,
 * /metrics, and one emulator-only route, GET /emulator/requests, with the server's own per-request timings
 * (TTFT measured from the request's arrival to the write of its first token) so a client's overhead can be measured.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { seededRng } from '../../core/random/index.js';
import { Engine, type EngineCore } from './engine.js';
import { IterationEngine } from './iteration-engine.js';
import { EngineMetrics } from './metrics.js';
import type { EmulatorOptions } from './options.js';
import { countChatTokens, countTokens, hashText, tokenText } from './tokens.js';

export interface RequestRecord {
  requestId: string;
  endpoint: 'completions' | 'chat';
  promptTokens: number;
  completionTokens: number;
  /** Seconds from the request's arrival to the write of its first token; null if none was written. */
  ttftS: number | null;
  e2eS: number | null;
  status: 'ok' | 'aborted' | 'dropped' | 'rejected';
  /** Server clock (performance.now(), ms): arrival and end (last token, drop or abort) of the request. */
  arrivedAtMs: number;
  endedAtMs: number | null;
}

const MAX_RECORDS = 200_000;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly param: string | null = null,
  ) {
    super(message);
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: ServerResponse, e: HttpError): void {
  sendJson(res, e.status, {
    object: 'error',
    message: e.message,
    type: e.type,
    param: e.param,
    code: e.status,
  });
}

export interface EmulatorServer {
  server: Server;
  engine: EngineCore;
  records: RequestRecord[];
  healthy: boolean;
}

export function createEmulatorServer(opts: EmulatorOptions): EmulatorServer {
  const engine: EngineCore =
    opts.scheduler === 'iteration'
      ? new IterationEngine({ ...opts.engine, maxBatchedTokens: opts.maxBatchedTokens }, seededRng(opts.seed))
      : new Engine(opts.engine, seededRng(opts.seed));
  const metrics = new EngineMetrics(engine, opts.servedModelName);
  const records: RequestRecord[] = [];
  const state: EmulatorServer = { server: undefined as unknown as Server, engine, records, healthy: false };
  const created = Math.floor(Date.now() / 1000);
  let requestCount = 0;

  const record = (r: RequestRecord) => {
    if (records.length >= MAX_RECORDS) records.splice(0, records.length - MAX_RECORDS + 1);
    records.push(r);
  };

  async function generate(
    req: IncomingMessage,
    res: ServerResponse,
    kind: 'completions' | 'chat',
    arrivedMs: number,
  ): Promise<void> {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(await readBody(req)) as Record<string, unknown>;
      if (!body || typeof body !== 'object' || Array.isArray(body)) throw new Error('not an object');
    } catch {
      throw new HttpError(400, 'BadRequestError', 'request body is not a JSON object');
    }
    if (body.model !== undefined && body.model !== opts.servedModelName && body.model !== opts.model) {
      throw new HttpError(
        404,
        'NotFoundError',
        `The model \`${String(body.model)}\` does not exist.`,
        'model',
      );
    }
    let promptTokens: number;
    let promptKey: string;
    if (kind === 'completions') {
      let prompt = body.prompt;
      if (Array.isArray(prompt) && prompt.length === 1 && typeof prompt[0] === 'string') prompt = prompt[0];
      if (typeof prompt === 'string') {
        promptTokens = countTokens(prompt);
        promptKey = prompt;
      } else if (Array.isArray(prompt) && prompt.length > 0 && prompt.every((t) => Number.isInteger(t))) {
        promptTokens = prompt.length;
        promptKey = prompt.join(',');
      } else {
        throw new HttpError(
          400,
          'BadRequestError',
          'prompt must be one string or one list of token ids',
          'prompt',
        );
      }
    } else {
      const messages = body.messages;
      if (!Array.isArray(messages) || messages.length === 0) {
        throw new HttpError(400, 'BadRequestError', 'messages must be a non-empty list', 'messages');
      }
      promptTokens = countChatTokens(messages as { content?: unknown }[]);
      promptKey = JSON.stringify(messages);
    }
    if (promptTokens > opts.maxModelLen) {
      throw new HttpError(
        400,
        'BadRequestError',
        `This model's maximum context length is ${opts.maxModelLen} tokens. However, your request has ${promptTokens} input tokens. Please reduce the length of the input messages.`,
      );
    }
    const rawMax = body.max_tokens ?? body.max_completion_tokens;
    let maxTokens = opts.maxModelLen - promptTokens;
    if (rawMax !== undefined && rawMax !== null) {
      if (!Number.isInteger(rawMax) || (rawMax as number) < 1) {
        throw new HttpError(400, 'BadRequestError', 'max_tokens must be a whole number ≥ 1', 'max_tokens');
      }
      maxTokens = rawMax as number;
      if (promptTokens + maxTokens > opts.maxModelLen) {
        throw new HttpError(
          400,
          'BadRequestError',
          `'max_tokens' or 'max_completion_tokens' is too large: ${maxTokens}. This model's maximum context length is ${opts.maxModelLen} tokens and your request has ${promptTokens} input tokens (${maxTokens} > ${opts.maxModelLen} - ${promptTokens}).`,
          'max_tokens',
        );
      }
    }
    if (maxTokens < 1)
      throw new HttpError(400, 'BadRequestError', 'no room left for output tokens', 'max_tokens');
    const salt = hashText(promptKey);
    const outputTokens =
      body.ignore_eos === true ? maxTokens : Math.min(maxTokens, 1 + (salt % opts.naturalOutputMax));
    if (promptTokens + maxTokens > opts.engine.kvCacheTokens) {
      throw new HttpError(
        400,
        'BadRequestError',
        `request needs ${promptTokens + maxTokens} KV-cache tokens but the cache holds ${opts.engine.kvCacheTokens}`,
      );
    }
    const stream = body.stream === true;
    const streamOptions = body.stream_options as { include_usage?: unknown } | undefined;
    const includeUsage = streamOptions?.include_usage === true;
    const headerId = req.headers['x-request-id'];
    const requestId = typeof headerId === 'string' && headerId ? headerId : randomUUID();
    const id = `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${requestId}`;
    const model = typeof body.model === 'string' ? body.model : opts.servedModelName;
    const object = kind === 'chat' ? 'chat.completion.chunk' : 'text_completion';
    const dropThis = opts.dropAfterTokens > 0 && ++requestCount % opts.dropEvery === 0;
    const rec: RequestRecord = {
      requestId,
      endpoint: kind,
      promptTokens,
      completionTokens: 0,
      ttftS: null,
      e2eS: null,
      status: 'aborted',
      arrivedAtMs: arrivedMs,
      endedAtMs: null,
    };
    record(rec);
    metrics.promptTokens.inc(metrics.labels, promptTokens);

    let text = '';
    let lastTokenAt = 0;
    let finished = false;
    if (stream) {
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
      res.flushHeaders();
    }
    const cancel = engine.submit({
      promptTokens,
      outputTokens,
      kvTokens: promptTokens + maxTokens,
      onToken(i, last) {
        const now = performance.now();
        const piece = tokenText(i, salt);
        text += piece;
        rec.completionTokens = i + 1;
        metrics.generationTokens.inc(metrics.labels);
        if (i === 0) {
          rec.ttftS = (now - arrivedMs) / 1000;
          metrics.ttft.observe(metrics.labels, rec.ttftS);
        } else {
          const gap = (now - lastTokenAt) / 1000;
          metrics.itl.observe(metrics.labels, gap);
          metrics.tpot.observe(metrics.labels, gap);
        }
        lastTokenAt = now;
        const finishReason = last ? (outputTokens === maxTokens ? 'length' : 'stop') : null;
        if (stream) {
          const choice =
            kind === 'chat'
              ? {
                  index: 0,
                  delta: i === 0 ? { role: 'assistant', content: piece } : { content: piece },
                  logprobs: null,
                  finish_reason: finishReason,
                }
              : { index: 0, text: piece, logprobs: null, finish_reason: finishReason, stop_reason: null };
          res.write(`data: ${JSON.stringify({ id, object, created, model, choices: [choice] })}\n\n`);
        }
        if (dropThis && i + 1 >= opts.dropAfterTokens && !last) {
          // Fault injection: the connection dies mid-stream (engine crash, proxy reset).
          rec.status = 'dropped';
          rec.endedAtMs = now;
          finished = true;
          cancel();
          // end() (not destroy()) so the tokens already written still reach the client before the cut.
          res.socket?.end();
          return;
        }
        if (!last) return;
        finished = true;
        rec.status = 'ok';
        rec.endedAtMs = now;
        rec.e2eS = (now - arrivedMs) / 1000;
        metrics.e2e.observe(metrics.labels, rec.e2eS);
        metrics.success.inc({ ...metrics.labels, finished_reason: finishReason ?? 'stop' });
        const usage = {
          prompt_tokens: promptTokens,
          total_tokens: promptTokens + outputTokens,
          completion_tokens: outputTokens,
        };
        if (stream) {
          if (includeUsage) {
            res.write(`data: ${JSON.stringify({ id, object, created, model, choices: [], usage })}\n\n`);
          }
          res.end('data: [DONE]\n\n');
        } else if (kind === 'chat') {
          sendJson(res, 200, {
            id,
            object: 'chat.completion',
            created,
            model,
            choices: [
              {
                index: 0,
                message: { role: 'assistant', content: text },
                logprobs: null,
                finish_reason: finishReason,
              },
            ],
            usage,
          });
        } else {
          sendJson(res, 200, {
            id,
            object: 'text_completion',
            created,
            model,
            choices: [{ index: 0, text, logprobs: null, finish_reason: finishReason, stop_reason: null }],
            usage,
          });
        }
      },
    });
    res.on('close', () => {
      if (finished) return;
      rec.endedAtMs = performance.now();
      cancel();
    });
  }

  const server = createServer((req, res) => {
    const arrivedMs = performance.now();
    const path = (req.url ?? '/').split('?')[0];
    const fail = (err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (err instanceof HttpError) {
        record({
          requestId: String(req.headers['x-request-id'] ?? ''),
          endpoint: path === '/v1/chat/completions' ? 'chat' : 'completions',
          promptTokens: 0,
          completionTokens: 0,
          ttftS: null,
          e2eS: null,
          status: 'rejected',
          arrivedAtMs: arrivedMs,
          endedAtMs: performance.now(),
        });
        sendError(res, err);
      } else sendError(res, new HttpError(500, 'InternalServerError', String(err)));
    };
    try {
      if (req.method === 'GET' && path === '/health') {
        res.writeHead(state.healthy ? 200 : 503).end();
      } else if (req.method === 'GET' && path === '/v1/models') {
        sendJson(res, 200, {
          object: 'list',
          data: [
            {
              id: opts.servedModelName,
              object: 'model',
              created,
              owned_by: 'vllm',
              root: opts.model,
              parent: null,
              max_model_len: opts.maxModelLen,
            },
          ],
        });
      } else if (req.method === 'GET' && path === '/metrics') {
        metrics.registry.metrics().then(
          (text) => {
            res.writeHead(200, { 'content-type': metrics.registry.contentType });
            res.end(text);
          },
          (err) => fail(err),
        );
      } else if (req.method === 'GET' && path === '/version') {
        sendJson(res, 200, { version: '0.17.0+migflow.emulator' });
      } else if (req.method === 'GET' && path === '/emulator/requests') {
        sendJson(res, 200, { records });
      } else if (req.method === 'POST' && path === '/v1/completions') {
        generate(req, res, 'completions', arrivedMs).catch(fail);
      } else if (req.method === 'POST' && path === '/v1/chat/completions') {
        generate(req, res, 'chat', arrivedMs).catch(fail);
      } else {
        sendJson(res, 404, { detail: 'Not Found' });
      }
    } catch (err) {
      fail(err);
    }
  });
  server.keepAliveTimeout = 60_000;
  state.server = server;
  return state;
}
