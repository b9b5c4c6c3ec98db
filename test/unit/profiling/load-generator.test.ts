/** The streaming load generator and the sweeps against the vLLM emulator running as a separate process. */
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prefillPoints, readBenchJson, tpotPoints } from '../../../core/profiling/fit-input.js';
import { benchResult, runLoad } from '../../../core/profiling/load-generator.js';
import { randomRequests } from '../../../core/profiling/random-prompts.js';
import {
  defaultConcurrencyPlan,
  defaultPrefillPlan,
  runSweep,
  tpotPromptsFor,
} from '../../../core/profiling/sweeps.js';
import { seededRng } from '../../../core/random/index.js';
import { writeFileAtomic } from '../../../core/util/atomic-write.js';
import { type SpawnedEmulator, spawnEmulator } from '../../../emulators/vllm/spawn.js';

// biome-ignore lint/suspicious/noExplicitAny: OpenAI-protocol JSON bodies, checked field by field below
type Body = any;

const MODEL = 'Qwen/Qwen2.5-7B-Instruct';
const FAST = [
  '--boot-ms',
  '0',
  '--prefill-alpha',
  '0.002',
  '--prefill-beta',
  '0.00001',
  '--decode-alpha',
  '0.001',
  '--decode-beta',
  '0.0001',
];
let emu: SpawnedEmulator;
let dropping: SpawnedEmulator;

beforeAll(async () => {
  [emu, dropping] = await Promise.all([
    spawnEmulator(FAST),
    // Every 2nd request loses its connection after 3 tokens.
    spawnEmulator([...FAST, '--drop-after-tokens', '3', '--drop-every', '2']),
  ]);
});
afterAll(async () => {
  await Promise.all([emu?.stop(), dropping?.stop()]);
});

const records = async (e: SpawnedEmulator) =>
  ((await (await fetch(`${e.baseUrl}/emulator/requests`)).json()) as Body).records as {
    requestId: string;
    ttftS: number;
    status: string;
  }[];

const tmp = () => mkdtempSync(join(tmpdir(), 'loadgen-'));

describe('load generator', () => {
  it('measures TTFT, every inter-token gap and latency per request, and writes vllm bench serve keys', async () => {
    const rng = seededRng(1);
    const requests = randomRequests(6, { min: 5, max: 9 }, { min: 4, max: 6 }, rng);
    const run = await runLoad({
      baseUrl: emu.baseUrl,
      model: MODEL,
      requests,
      requestRate: 'inf',
      arrival: 'poisson',
      maxConcurrency: 2,
      rng,
    });
    const r = benchResult(run, { date: '20260101-000000' });
    for (const key of [
      'date',
      'backend',
      'model_id',
      'num_prompts',
      'request_rate',
      'burstiness',
      'max_concurrency',
      'duration',
      'completed',
      'failed',
      'total_input_tokens',
      'total_output_tokens',
      'request_throughput',
      'output_throughput',
      'total_token_throughput',
      'input_lens',
      'output_lens',
      'ttfts',
      'itls',
      'start_times',
      'generated_texts',
      'errors',
      'max_concurrent_requests',
      'mean_ttft_ms',
      'median_ttft_ms',
      'std_ttft_ms',
      'p99_ttft_ms',
      'mean_tpot_ms',
      'mean_itl_ms',
      'p99_itl_ms',
      'mean_e2el_ms',
      'p99_e2el_ms',
    ]) {
      expect(r, key).toHaveProperty(key);
    }
    expect(r).toMatchObject({
      completed: 6,
      failed: 0,
      request_rate: 'inf',
      max_concurrency: 2,
      num_prompts: 6,
    });
    expect(r.max_concurrent_requests).toBe(2);
    expect(r.input_lens).toEqual(requests.map((q) => q.promptLen));
    expect(r.output_lens).toEqual(requests.map((q) => q.outputLen));
    for (const [i, gaps] of r.itls.entries()) expect(gaps).toHaveLength(requests[i]!.outputLen - 1);
    expect(r.ttfts.every((t) => t > 0)).toBe(true);
    expect(r.errors).toEqual(Array(6).fill(''));
    // The client's TTFT can only be longer than the server's own (same request, by X-Request-Id).
    const server = new Map((await records(emu)).map((x) => [x.requestId, x.ttftS]));
    for (const o of run.outcomes) expect(o.ttftS).toBeGreaterThanOrEqual(server.get(o.requestId)!);
  });

  it('counts streams the server drops halfway as failed requests with the reason, as vLLM does', async () => {
    const rng = seededRng(2);
    const requests = randomRequests(6, { min: 2, max: 2 }, { min: 8, max: 8 }, rng);
    const run = await runLoad({
      baseUrl: dropping.baseUrl,
      model: MODEL,
      requests,
      requestRate: 'inf',
      arrival: 'poisson',
      maxConcurrency: 1,
      rng,
    });
    const r = benchResult(run, { date: '20260101-000000' });
    expect(r.completed).toBe(3);
    expect(r.failed).toBe(3);
    const failed = r.errors.map((e, i) => [e, i] as const).filter(([e]) => e !== '');
    expect(failed.map(([, i]) => i)).toEqual([1, 3, 5]);
    for (const [e, i] of failed) {
      expect(e).toMatch(/stream (ended before \[DONE\]|dropped) after 3 chunks/);
      expect(r.ttfts[i]).toBe(0);
      expect(r.itls[i]).toEqual([]);
      expect(r.output_lens[i]).toBe(0);
    }
    expect((await records(dropping)).filter((x) => x.status === 'dropped')).toHaveLength(3);
  });

  it('reports the concurrency each request really saw while decoding, beside the configured max_concurrency', async () => {
    const rng = seededRng(4);
    const one = await runLoad({
      baseUrl: emu.baseUrl,
      model: MODEL,
      requests: randomRequests(3, { min: 2, max: 2 }, { min: 6, max: 6 }, rng),
      requestRate: 'inf',
      arrival: 'poisson',
      maxConcurrency: 1,
      rng,
    });
    const serial = benchResult(one, { date: 'T' }).mean_concurrency_during_decode as number[];
    for (const c of serial) expect(c).toBeCloseTo(1, 9);
    const four = await runLoad({
      baseUrl: emu.baseUrl,
      model: MODEL,
      requests: randomRequests(4, { min: 2, max: 2 }, { min: 60, max: 60 }, rng),
      requestRate: 'inf',
      arrival: 'poisson',
      maxConcurrency: 4,
      rng,
    });
    const together = benchResult(four, { date: 'T' }).mean_concurrency_during_decode as number[];
    for (const c of together) {
      expect(c).toBeGreaterThan(2.5);
      expect(c).toBeLessThanOrEqual(4);
    }
  });

  it('streams chat completions too, reading the usage chunk for the prompt length', async () => {
    const rng = seededRng(5);
    const run = await runLoad({
      baseUrl: emu.baseUrl,
      model: MODEL,
      requests: [{ prompt: 'three word prompt', promptLen: 99, outputLen: 4 }],
      requestRate: 'inf',
      arrival: 'poisson',
      maxConcurrency: null,
      rng,
      endpoint: 'chat',
    });
    const r = benchResult(run, { date: 'T' });
    expect(r).toMatchObject({ backend: 'openai-chat', completed: 1, input_lens: [3], output_lens: [4] });
    expect(r.itls[0]).toHaveLength(3);
  });

  it('round-trips its JSON through the bench-file reader the fits use', async () => {
    const dir = tmp();
    const rng = seededRng(3);
    const run = await runLoad({
      baseUrl: emu.baseUrl,
      model: MODEL,
      requests: randomRequests(5, { min: 3, max: 30 }, { min: 3, max: 4 }, rng),
      requestRate: 200,
      arrival: 'poisson',
      maxConcurrency: 3,
      rng,
    });
    const file = join(dir, 'tpot-x-concurrency-3-20260101-000000.json');
    writeFileAtomic(file, JSON.stringify(benchResult(run, { date: '20260101-000000' })));
    const data = readBenchJson(file);
    const p = prefillPoints(file, data);
    expect(p.x).toEqual(run.outcomes.map((o) => o.promptTokens));
    expect(p.droppedFailed).toBe(0);
    const t = tpotPoints(file, data);
    expect(t).toMatchObject({ skipped: false, n: 3 });
    if (!t.skipped) expect(t.meanItlsS).toHaveLength(5);
  });
});

describe('sweeps', () => {
  it("default plans are the reference's: 1000 prompts at 0.4 req/s for prefill, N = 1..30 with 1486 prompts for TPOT", () => {
    const p = defaultPrefillPlan({ modelId: MODEL, migName: '1g.10gb', resultDir: '/r', timestamp: 'T' });
    expect(p.levels).toEqual([
      expect.objectContaining({
        numPrompts: 1000,
        requestRate: 0.4,
        maxConcurrency: null,
        inputLen: { min: 102, max: 1946 },
        outputLen: { min: 1, max: 2 },
        fileName: 'prefill-Qwen2.5-7B-Instruct-1g.10gb-T.json',
      }),
    ]);
    const c = defaultConcurrencyPlan({ modelId: MODEL, resultDir: '/r', timestamp: 'T' });
    expect(c.levels.map((l) => l.maxConcurrency)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(c.levels.reduce((s, l) => s + l.numPrompts, 0)).toBe(1486);
    expect([tpotPromptsFor(1), tpotPromptsFor(15), tpotPromptsFor(16), tpotPromptsFor(30)]).toEqual([
      20, 48, 51, 80,
    ]);
    expect(c.levels[4]).toMatchObject({
      requestRate: 'inf',
      inputLen: { min: 1, max: 3 },
      outputLen: { min: 358, max: 666 },
      fileName: 'tpot-Qwen2.5-7B-Instruct-concurrency-5-T.json',
    });
    expect(c.pauseBetweenLevelsMs).toBe(2000);
  });

  it('runs each concurrency level into its own file and skips levels a previous attempt finished', async () => {
    const dir = tmp();
    const plan = defaultConcurrencyPlan({
      modelId: MODEL,
      resultDir: dir,
      timestamp: 'T',
      levels: [1, 2, 3],
      promptsFor: (n) => n + 1,
      outputLen: 5,
      pauseBetweenLevelsMs: 0,
    });
    const done: string[] = [];
    const files = await runSweep(emu.baseUrl, MODEL, plan, {
      onLevelDone: (d) => void done.push(d.key),
    });
    expect(done).toEqual(['concurrency-1', 'concurrency-2', 'concurrency-3']);
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual(
      [1, 2, 3].map((n) => `tpot-Qwen2.5-7B-Instruct-concurrency-${n}-T.json`),
    );
    const json = JSON.parse(readFileSync(files[1]!, 'utf8'));
    expect(json).toMatchObject({ max_concurrency: 2, num_prompts: 3, completed: 3 });
    const mtimes = files.map((f) => statSync(f).mtimeMs);
    const again: string[] = [];
    await runSweep(emu.baseUrl, MODEL, plan, {
      completedLevels: ['concurrency-1', 'concurrency-3'],
      onLevelDone: (d) => void again.push(d.key),
    });
    expect(again).toEqual(['concurrency-2']);
    expect(statSync(files[0]!).mtimeMs).toBe(mtimes[0]);
    expect(statSync(files[2]!).mtimeMs).toBe(mtimes[2]);
  });

  it('runs the prefill plan at its request rate with no concurrency limit', async () => {
    const dir = tmp();
    const plan = defaultPrefillPlan({
      modelId: MODEL,
      migName: 'emu',
      resultDir: dir,
      timestamp: 'T',
      numPrompts: 8,
      requestRate: 100,
    });
    const [file] = await runSweep(emu.baseUrl, MODEL, plan);
    const json = readBenchJson(file!);
    expect(json).toMatchObject({ max_concurrency: null, request_rate: 100, completed: 8 });
    const p = prefillPoints(file!, json);
    expect(p.x.every((x) => x >= 102 && x <= 1946)).toBe(true);
  });

  it('stops a sweep when cancelled, without writing the unfinished level', async () => {
    const dir = tmp();
    const plan = defaultConcurrencyPlan({
      modelId: MODEL,
      resultDir: dir,
      timestamp: 'T',
      levels: [1, 2],
      promptsFor: () => 50,
      outputLen: 20,
      pauseBetweenLevelsMs: 0,
    });
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('cancelled by test')), 200);
    await expect(runSweep(emu.baseUrl, MODEL, plan, { signal: ac.signal })).rejects.toThrow(
      /cancelled by test/,
    );
    expect(() => statSync(join(dir, plan.levels[0]!.fileName))).toThrow();
  });
});
