import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parquetWriteFile } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { readDatasetRows } from '../../../core/datasets/index.js';
import { DatasetError } from '../../../core/errors.js';
import { tempDir } from './helpers.js';

async function collect(file: string, format?: 'jsonl' | 'json' | 'parquet') {
  const out = [];
  for await (const r of readDatasetRows(file, format)) out.push(r);
  return out;
}

async function datasetError(p: Promise<unknown>): Promise<DatasetError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DatasetError);
  return err as DatasetError;
}

describe('JSONL reader', () => {
  it('yields each object with its 1-based line number, skipping blank lines', async () => {
    const file = join(tempDir(), 'a.jsonl');
    writeFileSync(file, '{"a":1}\n\n{"a":2}\r\n{"a":3}');
    const rows = await collect(file);
    expect(rows.map((r) => [r.row, r.location.line])).toEqual([
      [{ a: 1 }, 1],
      [{ a: 2 }, 3],
      [{ a: 3 }, 4],
    ]);
    expect(rows[0]?.location.file).toBe(file);
  });

  it('yields an undecodable line with its problem so the caller can report it', async () => {
    const file = join(tempDir(), 'a.jsonl');
    writeFileSync(file, '{"a":1}\n{"a":\n{"a":3}\n');
    const rows = await collect(file);
    expect(rows[1]?.location.line).toBe(2);
    expect(rows[1]?.row).toBeUndefined();
    expect(rows[1]?.problem).toMatch(/^not valid JSON/);
  });

  it('rejects a file whose lines are mostly not objects, naming the first bad line', async () => {
    const file = join(tempDir(), 'pretty.jsonl');
    writeFileSync(file, JSON.stringify([{ a: 1 }, { a: 2 }], null, 2));
    const err = await datasetError(collect(file));
    expect(err.file).toBe(file);
    expect(err.line).toBe(1);
    expect(err.message).toContain('--format json');
  });
});

describe('JSON reader', () => {
  it('reads a top-level array, numbering rows from 1', async () => {
    const file = join(tempDir(), 'a.json');
    writeFileSync(file, JSON.stringify([{ a: 1 }, { a: 2 }]));
    expect((await collect(file)).map((r) => [r.row, r.location.line])).toEqual([
      [{ a: 1 }, 1],
      [{ a: 2 }, 2],
    ]);
  });

  it('reads {"data": [...]}, datasets-server {"rows": [{row_idx, row}]} and column-oriented objects', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'd.json'), JSON.stringify({ data: [{ a: 1 }] }));
    writeFileSync(
      join(dir, 'r.json'),
      JSON.stringify({ rows: [{ row_idx: 0, row: { a: 2 }, truncated_cells: [] }] }),
    );
    writeFileSync(join(dir, 'c.json'), JSON.stringify({ a: [1, 2], b: ['x', 'y'] }));
    expect((await collect(join(dir, 'd.json'))).map((r) => r.row)).toEqual([{ a: 1 }]);
    expect((await collect(join(dir, 'r.json'))).map((r) => r.row)).toEqual([{ a: 2 }]);
    expect((await collect(join(dir, 'c.json'))).map((r) => r.row)).toEqual([
      { a: 1, b: 'x' },
      { a: 2, b: 'y' },
    ]);
  });

  it('turns a JSON syntax error into a DatasetError with the line it is on', async () => {
    const file = join(tempDir(), 'bad.json');
    writeFileSync(file, '[\n{"a": 1},\n{"a": 2,,}\n]');
    const err = await datasetError(collect(file));
    expect(err.file).toBe(file);
    expect(err.line).toBe(3);
    expect(err.message).toContain('does not parse as JSON');
  });

  it('rejects JSON Lines named .json, pointing at --format jsonl', async () => {
    const file = join(tempDir(), 'lines.json');
    writeFileSync(file, '{"a":1}\n{"a":2}\n');
    const err = await datasetError(collect(file));
    expect(err.line).toBe(2);
    expect(err.fix).toContain('--format jsonl');
    expect((await collect(file, 'jsonl')).length).toBe(2);
  });
});

describe('Parquet reader', () => {
  it('reads rows of every row group with strings, nulls and 64-bit ints as numbers', async () => {
    const file = join(tempDir(), 'rag.parquet');
    parquetWriteFile({
      filename: file,
      columnData: [
        { name: 'context', data: ['C0', 'C1', 'C2'], type: 'STRING' },
        { name: 'question', data: ['Q0', null, 'Q2'], type: 'STRING' },
        { name: 'n', data: [1n, 2n, 3n], type: 'INT64' },
      ],
      rowGroupSize: 2,
    });
    const rows = await collect(file);
    expect(rows.map((r) => [r.row, r.location.line])).toEqual([
      [{ context: 'C0', question: 'Q0', n: 1 }, 1],
      [{ context: 'C1', question: null, n: 2 }, 2],
      [{ context: 'C2', question: 'Q2', n: 3 }, 3],
    ]);
  });

  it('reads GZIP-compressed Parquet, as some HF uploads are', async () => {
    const file = join(tempDir(), 'gz.parquet');
    parquetWriteFile({
      filename: file,
      columnData: [{ name: 'answer', data: ['A0', 'A1'], type: 'STRING' }],
      codec: 'GZIP',
      compressors: { GZIP: (bytes: Uint8Array) => new Uint8Array(gzipSync(bytes)) },
    });
    expect((await collect(file)).map((r) => r.row)).toEqual([{ answer: 'A0' }, { answer: 'A1' }]);
  });

  it('rejects a .parquet file without the PAR1 magic', async () => {
    const file = join(tempDir(), 'fake.parquet');
    writeFileSync(file, '{"context": "not parquet at all"}\n');
    const err = await datasetError(collect(file));
    expect(err.file).toBe(file);
    expect(err.line).toBe(1);
    expect(err.problem).toContain('PAR1');
  });
});

describe('format choice', () => {
  it('needs --format when the extension says nothing, and honours it', async () => {
    const file = join(tempDir(), 'rows.txt');
    writeFileSync(file, '{"a":1}\n');
    const err = await datasetError(collect(file));
    expect(err.fix).toContain('--format');
    expect((await collect(file, 'jsonl')).map((r) => r.row)).toEqual([{ a: 1 }]);
  });

  it('names a missing input file', async () => {
    const file = join(tempDir(), 'nope.jsonl');
    const err = await datasetError(collect(file));
    expect(err.file).toBe(file);
    expect(err.problem).toContain('cannot read the input');
  });
});
