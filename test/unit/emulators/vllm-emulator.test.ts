/** The vLLM emulator as a real, separately spawned process, spoken to over HTTP like a vLLM server. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseKvCacheLog } from '../../../core/profiling/kv-cache-log.js';
import { freePort } from '../../../core/util/free-port.js';
import { type SpawnedEmulator, spawnEmulator, spawnEmulatorProcess } from '../../../emulators/vllm/spawn.js';

// biome-ignore lint/suspicious/noExplicitAny: OpenAI-protocol JSON bodies, checked field by field below
type Body = any;

const MODEL = 'Qwen/Qwen2.5-7B-Instruct';
let emu: SpawnedEmulator;

beforeAll(async () => {
  emu = await spawnEmulator([
    '--model',
    MODEL,
    '--boot-ms',
    '100',
    '--max-model-len',
    '4096',
    '--kv-cache-tokens',
    '8000',
    '--prefill-alpha',
    '0.005',
    '--decode-alpha',
    '0.002',
  ]);
});
afterAll(async () => {
  await emu?.stop();
});

const post = (path: string, body: unknown) =>
  fetch(`${emu.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

function sseEvents(text: string): string[] {
  return text
    .split('\n\n')
    .filter((e) => e.startsWith('data: '))
    .map((e) => e.slice(6));
}

/** Minimal Prometheus text-format parser: every sample line is `name{labels} value`. */
function parsePrometheus(text: string): Map<string, { labels: Record<string, string>; value: number }[]> {
  const out = new Map<string, { labels: Record<string, string>; value: number }[]>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) {
      if (line.startsWith('# TYPE') || line.startsWith('# HELP') || line === '') continue;
      throw new Error(`unexpected comment line: ${line}`);
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const kv of (m[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[kv[1]!] = kv[2]!;
    const value = m[4] === '+Inf' ? Number.POSITIVE_INFINITY : Number(m[4]);
    if (Number.isNaN(value)) throw new Error(`bad value in ${line}`);
    out.set(m[1]!, [...(out.get(m[1]!) ?? []), { labels, value }]);
  }
  return out;
}

describe('vLLM emulator process', () => {
  it('streams a completion as SSE chunks, then the usage chunk, then [DONE]', async () => {
    const res = await post('/v1/completions', {
      model: MODEL,
      prompt: 'one two three four',
      max_tokens: 5,
      ignore_eos: true,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const events = sseEvents(await res.text());
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e));
    const tokens = chunks.filter((c) => c.choices.length > 0);
    expect(tokens).toHaveLength(5);
    expect(tokens.at(-1).choices[0].finish_reason).toBe('length');
    expect(chunks.at(-1)).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 4, completion_tokens: 5, total_tokens: 9 },
    });
    // Every generated token is one word, so the text counts back to completion_tokens.
    const text = tokens.map((c) => c.choices[0].text).join('');
    expect(text.trim().split(/\s+/)).toHaveLength(5);
  });

  it('answers a non-streaming chat request with the usage, counting the words of every message', async () => {
    const res = await post('/v1/chat/completions', {
      model: MODEL,
      messages: [
        { role: 'user', content: 'hello there' },
        { role: 'assistant', content: 'hi' },
        { role: 'user', content: 'a b c' },
      ],
      temperature: 0,
      max_tokens: 3,
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Body;
    expect(body.object).toBe('chat.completion');
    expect(body.choices[0].message.role).toBe('assistant');
    expect(body.usage.prompt_tokens).toBe(6);
    expect(body.usage.completion_tokens).toBeLessThanOrEqual(3);
  });

  it('streams chat deltas with the assistant role first, and omits usage unless include_usage is asked for', async () => {
    const res = await post('/v1/chat/completions', {
      model: MODEL,
      messages: [{ role: 'user', content: 'x' }],
      max_tokens: 2,
      ignore_eos: true,
      stream: true,
    });
    const events = sseEvents(await res.text());
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e));
    expect(chunks).toHaveLength(2);
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
    expect(chunks.every((c) => c.usage === undefined)).toBe(true);
  });

  it("rejects a request longer than max_model_len with vLLM's 400 message, and an unknown model with 404", async () => {
    const tooLong = await post('/v1/chat/completions', {
      model: MODEL,
      messages: [{ role: 'user', content: 'a b' }],
      max_tokens: 4095,
    });
    expect(tooLong.status).toBe(400);
    expect(((await tooLong.json()) as Body).message).toMatch(
      /'max_tokens' or 'max_completion_tokens' is too large: 4095/,
    );
    const unknown = await post('/v1/completions', { model: 'nope', prompt: 'x', max_tokens: 1 });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as Body).message).toMatch(/The model `nope` does not exist/);
  });

  it('lists the served model with its max_model_len', async () => {
    const body = (await (await fetch(`${emu.baseUrl}/v1/models`)).json()) as Body;
    expect(body.data).toEqual([expect.objectContaining({ id: MODEL, object: 'model', max_model_len: 4096 })]);
  });

  it("serves /metrics as Prometheus text with vLLM's metric names and counts what it served", async () => {
    const before = parsePrometheus(await (await fetch(`${emu.baseUrl}/metrics`)).text());
    const count = (m: typeof before) => m.get('vllm:time_to_first_token_seconds_count')?.[0]?.value ?? 0;
    await (
      await post('/v1/completions', { model: MODEL, prompt: 'p q', max_tokens: 3, ignore_eos: true })
    ).json();
    const res = await fetch(`${emu.baseUrl}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    const m = parsePrometheus(await res.text());
    for (const name of [
      'vllm:num_requests_running',
      'vllm:num_requests_waiting',
      'vllm:kv_cache_usage_perc',
    ]) {
      expect(m.get(name)?.[0]).toMatchObject({ labels: { model_name: MODEL } });
    }
    expect(m.has('vllm:time_per_output_token_seconds_bucket')).toBe(true);
    expect(m.has('vllm:inter_token_latency_seconds_sum')).toBe(true);
    expect(count(m)).toBe(count(before) + 1);
    const inf = m.get('vllm:time_to_first_token_seconds_bucket')!.find((b) => b.labels.le === '+Inf')!;
    expect(inf.value).toBe(count(m));
  });

  it('queues a request while the KV cache is full and starts it when the first one frees its tokens', async () => {
    const small = await spawnEmulator([
      '--boot-ms',
      '0',
      '--kv-cache-tokens',
      '100',
      '--max-model-len',
      '100',
      '--decode-alpha',
      '0.01',
      '--prefill-alpha',
      '0',
    ]);
    try {
      const send = () =>
        fetch(`${small.baseUrl}/v1/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ prompt: 'a', max_tokens: 60, ignore_eos: true, stream: true }),
        });
      const first = send();
      const second = send();
      let waiting = 0;
      for (let i = 0; i < 50 && waiting === 0; i++) {
        const m = parsePrometheus(await (await fetch(`${small.baseUrl}/metrics`)).text());
        waiting = m.get('vllm:num_requests_waiting')![0]!.value;
      }
      expect(waiting).toBe(1);
      await Promise.all([(await first).text(), (await second).text()]);
      const { records } = (await (await fetch(`${small.baseUrl}/emulator/requests`)).json()) as Body;
      const [a, b] = records as { ttftS: number; arrivedAtMs: number; endedAtMs: number }[];
      // The second request's first token comes only after the first request finished, on the server's clock (the
      // two arrive a moment apart, so their durations alone do not say it).
      expect(b!.arrivedAtMs + b!.ttftS * 1000).toBeGreaterThanOrEqual(a!.endedAtMs - 1e-6);
    } finally {
      await small.stop();
    }
  });

  it('opens its port only after the boot time, having logged the KV-cache lines vLLM prints', async () => {
    const port = await freePort();
    const p = spawnEmulatorProcess([
      '--port',
      String(port),
      '--boot-ms',
      '6000',
      '--kv-cache-tokens',
      '35225',
      '--kv-per-token-kb',
      '192',
    ]);
    try {
      // The KV lines come halfway through the boot (after "profiling memory"); the port is still closed then.
      while (!/GPU KV cache size/.test(p.logs())) await new Promise((r) => setTimeout(r, 20));
      const during = await fetch(`http://127.0.0.1:${port}/health`).then(
        (r) => r.status,
        () => 'refused',
      );
      expect(during).toBe('refused');
      let status = 0;
      for (let i = 0; i < 200 && status !== 200; i++) {
        await new Promise((r) => setTimeout(r, 100));
        status = await fetch(`http://127.0.0.1:${port}/health`).then(
          (r) => r.status,
          () => 0,
        );
      }
      expect(status).toBe(200);
      expect(p.logs()).toMatch(/GPU KV cache size: 35,225 tokens/);
      expect(p.logs()).toMatch(/Available KV cache memory: 6\.45 GiB/);
      expect(parseKvCacheLog(p.logs())).toMatchObject({ kvCacheGb: 6.45, tokens: 35225 });
    } finally {
      await p.stop();
    }
  });

  it('exits at start with an error in its log when told to (fault injection)', async () => {
    const p = spawnEmulatorProcess(['--fault', 'exit-at-start', '--port', String(await freePort())]);
    const code = await new Promise<number | null>((r) => p.child.once('exit', (c) => r(c)));
    expect(code).toBe(1);
    expect(p.logs()).toMatch(/EngineCore failed to start/);
  });

  it('listens but never reports healthy when told to (fault injection)', async () => {
    const port = await freePort();
    const p = spawnEmulatorProcess(['--fault', 'never-healthy', '--boot-ms', '0', '--port', String(port)]);
    try {
      let models = 0;
      for (let i = 0; i < 100 && models !== 200; i++) {
        models = await fetch(`http://127.0.0.1:${port}/v1/models`).then(
          (r) => r.status,
          () => 0,
        );
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(models).toBe(200);
      expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(503);
    } finally {
      await p.stop();
    }
  });
});
