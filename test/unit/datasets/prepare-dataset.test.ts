import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareDataset } from '../../../core/datasets/index.js';
import { ConfigError, DatasetError } from '../../../core/errors.js';
import { G, H, readJsonlFile, tempDir, writeJsonl } from './helpers.js';

const good = (id: number) => ({ id, messages: [H(`q${id}`), G(`a${id}`)] });

describe('prepareDataset', () => {
  it('reports every malformed row by file, line and reason, in the result and in malformed.jsonl', async () => {
    const dir = tempDir();
    const input = join(dir, 'raw.jsonl');
    writeFileSync(
      input,
      [
        JSON.stringify(good(1)),
        '{"id": 2, "messages": [',
        JSON.stringify({ id: 3 }),
        JSON.stringify(good(4)),
        JSON.stringify({ id: 5, messages: [H('q'), { role: 'gpt' }] }),
      ].join('\n'),
    );
    const outDir = join(dir, 'out');
    const res = await prepareDataset({ kind: 'coder', inputs: [input], outDir });
    expect(res.rowsRead).toBe(5);
    expect(res.rowsWritten).toBe(2);
    expect(res.malformed.count).toBe(3);
    expect(res.malformed.examples.map((e) => [e.file, e.line])).toEqual([
      [input, 2],
      [input, 3],
      [input, 5],
    ]);
    expect(res.malformed.examples[0]?.reason).toMatch(/^not valid JSON/);
    expect(res.malformed.examples[1]?.reason).toBe('"messages" is missing');
    expect(res.malformed.examples[2]?.reason).toBe('messages[1].value is missing, expected a string');
    expect(res.malformedFile).toBe(join(outDir, 'malformed.jsonl'));
    expect(readJsonlFile(join(outDir, 'malformed.jsonl'))).toEqual(res.malformed.examples);
    expect(readdirSync(outDir).sort()).toEqual(['coder.sharegpt.jsonl', 'malformed.jsonl']);
  });

  it('keeps only the first 20 examples but lists every malformed row in malformed.jsonl', async () => {
    const dir = tempDir();
    const rows = Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? good(i) : { id: i }));
    const input = writeJsonl(join(dir, 'raw.jsonl'), rows);
    const res = await prepareDataset({ kind: 'coder', inputs: [input], outDir: dir });
    expect(res.malformed.count).toBe(30);
    expect(res.malformed.examples).toHaveLength(20);
    expect(res.malformed.examples[19]?.line).toBe(40);
    expect(readJsonlFile(join(dir, 'malformed.jsonl'))).toHaveLength(30);
  });

  it('writes no malformed.jsonl and only the output file when every row is good', async () => {
    const dir = tempDir();
    const input = writeJsonl(join(dir, 'raw.jsonl'), [good(1)]);
    const outDir = join(dir, 'out');
    const res = await prepareDataset({ kind: 'coder', inputs: [input], outDir });
    expect(res.malformedFile).toBeUndefined();
    expect(readdirSync(outDir)).toEqual(['coder.sharegpt.jsonl']);
    expect(res.inputBytes).toBe(Buffer.byteLength(`${JSON.stringify(good(1))}\n`));
  });

  it('stops between rows with an AbortError when the signal fires, leaving no output behind', async () => {
    const dir = tempDir();
    const input = writeJsonl(
      join(dir, 'raw.jsonl'),
      Array.from({ length: 3000 }, (_, i) => good(i)),
    );
    const outDir = join(dir, 'out');
    const ac = new AbortController();
    const seen: number[] = [];
    const run = prepareDataset({
      kind: 'coder',
      inputs: [input],
      outDir,
      signal: ac.signal,
      onProgress: (p) => {
        seen.push(p.rowsRead);
        ac.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen).toEqual([1000]);
    expect(readdirSync(outDir)).toEqual([]);
  });

  it('rethrows the signal’s own reason when it has one', async () => {
    const dir = tempDir();
    const input = writeJsonl(join(dir, 'raw.jsonl'), [good(1)]);
    const reason = new Error('activity cancelled');
    await expect(
      prepareDataset({ kind: 'coder', inputs: [input], outDir: dir, signal: AbortSignal.abort(reason) }),
    ).rejects.toBe(reason);
  });

  it('reports progress every 1,000 rows and at the end of each file', async () => {
    const dir = tempDir();
    const a = writeJsonl(
      join(dir, 'a.jsonl'),
      Array.from({ length: 2500 }, (_, i) => good(i)),
    );
    const b = writeJsonl(join(dir, 'b.jsonl'), [good(9)]);
    const seen: [number, string][] = [];
    await prepareDataset({
      kind: 'coder',
      inputs: [a, b],
      outDir: dir,
      onProgress: (p) => seen.push([p.rowsRead, p.file]),
    });
    expect(seen).toEqual([
      [1000, a],
      [2000, a],
      [2500, a],
      [2501, b],
    ]);
  });

  it('stops after `limit` raw rows across inputs', async () => {
    const dir = tempDir();
    const a = writeJsonl(join(dir, 'a.jsonl'), [good(1), good(2)]);
    const b = writeJsonl(join(dir, 'b.jsonl'), [good(3), good(4)]);
    const res = await prepareDataset({ kind: 'coder', inputs: [a, b], outDir: dir, limit: 3 });
    expect(res.rowsRead).toBe(3);
    expect((readJsonlFile(res.outputFile) as { id: string }[]).map((r) => r.id)).toEqual([
      '1_round_1',
      '2_round_1',
      '3_round_1',
    ]);
  });

  it('fails with a DatasetError for a file in the wrong format and leaves no output', async () => {
    const dir = tempDir();
    const input = join(dir, 'rag.parquet');
    writeFileSync(input, 'context,question,answer\nC,Q,A\n');
    const outDir = join(dir, 'out');
    const err = await prepareDataset({ kind: 'rag', inputs: [input], outDir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect((err as DatasetError).file).toBe(input);
    expect(readdirSync(outDir)).toEqual([]);
  });

  it('rejects bad options with a ConfigError naming the field', async () => {
    const dir = tempDir();
    const err = await prepareDataset({ kind: 'coder', inputs: [], outDir: dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).field).toBe('inputs');
    const lim = await prepareDataset({ kind: 'coder', inputs: ['x.jsonl'], outDir: dir, limit: 0 }).catch(
      (e: unknown) => e,
    );
    expect((lim as ConfigError).field).toBe('limit');
  });
});
