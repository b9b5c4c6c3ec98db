/** `migflow profile sweep | generate | kv-cache` as a user runs them: the CLI process against an emulator process. */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../../core/paths.js';
import { type SpawnedEmulator, spawnEmulator } from '../../../emulators/vllm/spawn.js';

const dir = mkdtempSync(join(tmpdir(), 'migflow-profile-run-'));
let emu: SpawnedEmulator;
beforeAll(async () => {
  emu = await spawnEmulator([
    '--boot-ms',
    '0',
    '--prefill-alpha',
    '0.002',
    '--decode-alpha',
    '0.001',
    '--natural-output-max',
    '4',
  ]);
});
afterAll(async () => {
  await emu?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const migflow = (args: string[]) =>
  execa(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], { cwd: PROJECT_ROOT, reject: false });

describe('migflow profile (load-generator side)', () => {
  it('sweep starts its own emulator, writes one bench file per level and reports the KV-cache size it logged', async () => {
    const out = join(dir, 'sweep');
    const r = await migflow([
      'profile',
      'sweep',
      '--start-emulator',
      '--emulator-arg',
      '--boot-ms 0 --kv-cache-tokens 35225 --kv-per-token-kb 192',
      '--out',
      out,
      '--levels',
      '1,2',
      '--prompts-per-level',
      '2',
      '--output-len',
      '4',
      '--prefill-prompts',
      '3',
      '--prefill-rate',
      '100',
      '--pause-ms',
      '1',
    ]);
    expect(r.exitCode, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.model).toBe('Qwen/Qwen2.5-7B-Instruct');
    expect(result.concurrency).toHaveLength(2);
    expect(readdirSync(join(out, 'tpot')).sort()).toEqual([
      expect.stringMatching(/^tpot-Qwen2\.5-7B-Instruct-concurrency-1-\d{8}-\d{6}\.json$/),
      expect.stringMatching(/^tpot-Qwen2\.5-7B-Instruct-concurrency-2-\d{8}-\d{6}\.json$/),
    ]);
    expect(readdirSync(join(out, 'prefill'))).toEqual([
      expect.stringMatching(/^prefill-Qwen2\.5-7B-Instruct-emulated-/),
    ]);
    expect(result.kvCache).toMatchObject({ kvCacheGb: 6.45, tokens: 35225 });
  });

  it('sweep refuses fewer prompts per level than a concurrency level, naming the levels and the fix', async () => {
    const out = join(dir, 'unfilled');
    const r = await migflow([
      'profile',
      'sweep',
      '--url',
      emu.baseUrl,
      '--out',
      out,
      '--levels',
      '1,4,8,12',
      '--prompts-per-level',
      '6',
      '--kind',
      'concurrency',
    ]);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/--prompts-per-level 6 is below concurrency levels 8, 12/);
    expect(r.stderr).toMatch(/pass --prompts-per-level 12 or more, or --levels without the levels above 6/);
    // Refused before any request: no results folder.
    expect(() => readdirSync(out)).toThrow();
    // The prefill sweep alone has no concurrency levels to fill.
    const prefillOnly = await migflow([
      'profile',
      'sweep',
      '--url',
      emu.baseUrl,
      '--out',
      out,
      '--prompts-per-level',
      '6',
      '--kind',
      'prefill',
      '--prefill-prompts',
      '2',
      '--prefill-rate',
      '100',
      '--quiet',
    ]);
    expect(prefillOnly.exitCode, prefillOnly.stderr).toBe(0);
  });

  it('generate against a URL names the output after model, port and dataset and prints the counts', async () => {
    const data = join(dir, 'rag.sharegpt.jsonl');
    writeFileSync(
      data,
      `${JSON.stringify({
        messages: [
          { role: 'human', value: 'q one' },
          { role: 'gpt', value: 'a' },
        ],
        id: 1,
      })}\n`,
    );
    const r = await migflow([
      'profile',
      'generate',
      '--url',
      emu.baseUrl,
      '--dataset',
      data,
      '--output-dir',
      join(dir, 'gen'),
    ]);
    expect(r.exitCode, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.outFile).toBe(
      join(dir, 'gen', `qwen2.5-7b-instruct-port-${emu.port}-rag.sharegpt-generated.jsonl`),
    );
    expect(result).toMatchObject({ rowsRead: 1, linesWritten: 1, errorRows: 0 });
    expect(JSON.parse(readFileSync(result.outFile, 'utf8'))).toMatchObject({ id: 1, prompt_tokens: 2 });
  });

  it('kv-cache reads a V0 log with the block size and KiB per token, and fails clearly on a log without the line', async () => {
    const log = join(dir, 'engine.log');
    writeFileSync(log, 'INFO executor_base.py:110] # GPU blocks: 1234, # CPU blocks: 512\n');
    const r = await migflow(['profile', 'kv-cache', '--log', log, '--kv-per-token-kb', '56']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ form: 'gpu-blocks', kvCacheGb: 1.054443359375 });
    writeFileSync(log, 'Application startup complete.\n');
    const bad = await migflow(['profile', 'kv-cache', '--log', log]);
    expect(bad.exitCode).not.toBe(0);
    expect(bad.stderr).toMatch(/no KV-cache line found/);
  });
});
