/** `generate` against the spawned vLLM emulator: output lines, error rows, and resuming an interrupted file. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateOutputName, runGenerate } from '../../../core/profiling/generate.js';
import { type SpawnedEmulator, spawnEmulator } from '../../../emulators/vllm/spawn.js';

// biome-ignore lint/suspicious/noExplicitAny: OpenAI-protocol JSON bodies, checked field by field below
type Body = any;

const MODEL = 'Qwen/Qwen2.5-7B-Instruct';
let emu: SpawnedEmulator;
let tiny: SpawnedEmulator;

beforeAll(async () => {
  const fast = [
    '--boot-ms',
    '0',
    '--prefill-alpha',
    '0.001',
    '--decode-alpha',
    '0.0005',
    '--natural-output-max',
    '8',
  ];
  [emu, tiny] = await Promise.all([
    spawnEmulator(fast),
    // Prompt + 4096 never fits: every request is vLLM's 400 "max_tokens is too large".
    spawnEmulator([...fast, '--max-model-len', '1000']),
  ]);
});
afterAll(async () => {
  await Promise.all([emu?.stop(), tiny?.stop()]);
});

const H = (v: string) => ({ role: 'human', value: v });
const G = (v: string) => ({ role: 'gpt', value: v });

function dataset(rows: unknown[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'gen-'));
  const file = join(dir, 'rag.sharegpt.jsonl');
  writeFileSync(file, rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
  return file;
}
const lines = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean);
const records = async (e: SpawnedEmulator) =>
  ((await (await fetch(`${e.baseUrl}/emulator/requests`)).json()) as Body).records as {
    promptTokens: number;
    status: string;
  }[];

describe('generate', () => {
  it("names the output like the reference, also for a model without '/'", () => {
    expect(generateOutputName('Qwen/Qwen2.5-7B-Instruct', 8007, 'rag-dataset-sharegpt')).toBe(
      'qwen2.5-7b-instruct-port-8007-rag-dataset-sharegpt-generated.jsonl',
    );
    expect(generateOutputName('qwen2.5-3b-instruct', 8001, 'd')).toBe(
      'qwen2.5-3b-instruct-port-8001-d-generated.jsonl',
    );
  });

  it("records every row's token usage in Python's json.dumps layout, keeping the id's JSON type", async () => {
    const file = dataset([
      { messages: [H('one two three'), G('answer')], id: 0 },
      { messages: [H('a b'), G('c d e'), H('f'), G('final answer')], id: '7_round_2' },
      { messages: [H('only a question')], id: 'short' },
    ]);
    const out = join(mkdtempSync(join(tmpdir(), 'gen-out-')), 'out.jsonl');
    const r = await runGenerate({ baseUrl: emu.baseUrl, model: MODEL, datasetFile: file, outFile: out });
    expect(r).toMatchObject({ rowsRead: 3, rowsSkippedShort: 1, linesWritten: 2, errorRows: 0 });
    const got = lines(out);
    for (const l of got) {
      expect(l).toMatch(
        /^\{"id": ("[^"]*"|\d+), "response": ".*", "prompt_tokens": \d+, "completion_tokens": \d+, "total_tokens": \d+\}$/,
      );
    }
    const byId = new Map(got.map((l) => [JSON.parse(l).id, JSON.parse(l)]));
    // Prompt = every message but the reference answer: 3 words, and 2 + 3 + 1 words.
    expect(byId.get(0)).toMatchObject({ prompt_tokens: 3 });
    expect(byId.get('7_round_2')).toMatchObject({ prompt_tokens: 6 });
    const row = byId.get('7_round_2');
    expect(row.total_tokens).toBe(row.prompt_tokens + row.completion_tokens);
    expect(row.response.trim().split(/\s+/)).toHaveLength(row.completion_tokens);
  });

  it('keeps an error row with zeros after six failed attempts', async () => {
    const file = dataset([{ messages: [H('hello'), G('x')], id: 41 }]);
    const out = join(mkdtempSync(join(tmpdir(), 'gen-out-')), 'out.jsonl');
    const r = await runGenerate({
      baseUrl: tiny.baseUrl,
      model: MODEL,
      datasetFile: file,
      outFile: out,
      backoffBaseMs: 1,
    });
    expect(r.errorRows).toBe(1);
    const [line] = lines(out);
    const rec = JSON.parse(line!);
    expect(rec).toMatchObject({ id: 41, prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
    expect(rec.response).toMatch(
      /^Error after 5 retries: HTTP 400 .*'max_tokens' or 'max_completion_tokens' is too large/,
    );
    expect((await records(tiny)).filter((x) => x.status === 'rejected')).toHaveLength(6);
  });

  it('resumes an interrupted file: finished ids are not requested again and a line cut mid-write is dropped and reported', async () => {
    const rows = Array.from({ length: 6 }, (_, i) => ({
      messages: [H(`w${i} `.repeat(i + 1)), G('a')],
      id: `r${i}`,
    }));
    const file = dataset(rows);
    const out = join(mkdtempSync(join(tmpdir(), 'gen-out-')), 'out.jsonl');
    // What a crash leaves: two finished lines and half of a third.
    writeFileSync(
      out,
      '{"id": "r0", "response": "x ", "prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}\n' +
        '{"id": "r3", "response": "y ", "prompt_tokens": 4, "completion_tokens": 1, "total_tokens": 5}\n' +
        '{"id": "r1", "response": "trunc',
    );
    const before = (await records(emu)).length;
    const r = await runGenerate({ baseUrl: emu.baseUrl, model: MODEL, datasetFile: file, outFile: out });
    expect(r).toMatchObject({
      rowsAlreadyDone: 2,
      linesWritten: 4,
      droppedPartialLines: 1,
      droppedLineNumbers: [3],
    });
    const sent = (await records(emu)).slice(before);
    expect(sent.map((x) => x.promptTokens).sort()).toEqual([2, 3, 5, 6]);
    const ids = lines(out).map((l) => JSON.parse(l).id);
    expect([...ids].sort()).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5']);
    // A second run finds everything done and sends nothing.
    const again = await runGenerate({ baseUrl: emu.baseUrl, model: MODEL, datasetFile: file, outFile: out });
    expect(again).toMatchObject({ rowsAlreadyDone: 6, linesWritten: 0, droppedPartialLines: 0 });
  });

  it('never has more requests in flight than its concurrency', async () => {
    const rows = Array.from({ length: 12 }, (_, i) => ({ messages: [H('x y'), G('a')], id: i }));
    const out = join(mkdtempSync(join(tmpdir(), 'gen-out-')), 'out.jsonl');
    // Slow decoding (50 ms per token), so requests overlap whenever the client lets them.
    const slow = await spawnEmulator([
      '--boot-ms',
      '0',
      '--decode-alpha',
      '0.05',
      '--natural-output-max',
      '4',
    ]);
    let mine: { arrivedAtMs: number; endedAtMs: number }[];
    try {
      const r = await runGenerate({
        baseUrl: slow.baseUrl,
        model: MODEL,
        datasetFile: dataset(rows),
        outFile: out,
        concurrency: 3,
      });
      expect(r.linesWritten).toBe(12);
      // The server's own arrival/end times: the most requests it held at one moment.
      mine = (await records(slow)) as unknown as typeof mine;
    } finally {
      await slow.stop();
    }
    expect(mine).toHaveLength(12);
    const events = mine.flatMap((x) => [
      [x.arrivedAtMs, 1],
      [x.endedAtMs, -1],
    ]);
    events.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
    let now = 0;
    let peak = 0;
    for (const [, d] of events) {
      now += d!;
      peak = Math.max(peak, now);
    }
    expect(peak).toBeLessThanOrEqual(3);
    expect(peak).toBeGreaterThan(1);
  });
});
