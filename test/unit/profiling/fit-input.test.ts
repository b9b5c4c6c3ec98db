/** Bad benchmark files (missing keys, NaN, empty arrays) stop the fits with an error naming the file and key. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BenchDataError } from '../../../core/errors.js';
import { fitPrefillFile, fitTpotDir } from '../../../core/profiling/fit.js';
import { pythonFloatRepr } from '../../../core/profiling/python-json.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'migflow-fit-bad-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function prefillError(text: string): Promise<BenchDataError> {
  const file = join(dir, 'prefill-bad.json');
  writeFileSync(file, text);
  const err = await fitPrefillFile(file, dir, { plot: false }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(BenchDataError);
  expect((err as BenchDataError).file).toBe(file);
  return err as BenchDataError;
}

describe('bench JSON validation for the fits', () => {
  it('names a missing ttfts key and says to save detailed results', async () => {
    const err = await prefillError(JSON.stringify({ input_lens: [1, 2] }));
    expect(err.key).toBe('ttfts');
    expect(err.message).toMatch(/missing.*--save-detailed/);
  });

  it('names the index of a bare Python NaN inside ttfts', async () => {
    const err = await prefillError('{"input_lens": [100, 200, 300], "ttfts": [0.1, NaN, 0.3]}');
    expect(err.key).toBe('ttfts[1]');
    expect(err.problem).toContain('NaN');
  });

  it('rejects empty per-request arrays', async () => {
    const err = await prefillError(JSON.stringify({ input_lens: [], ttfts: [] }));
    expect(err.key).toBe('input_lens');
    expect(err.problem).toContain('empty');
  });

  it('rejects arrays that are not index-aligned', async () => {
    const err = await prefillError(JSON.stringify({ input_lens: [1, 2, 3], ttfts: [0.1, 0.2] }));
    expect(err.key).toBe('ttfts');
  });

  it('rejects truncated JSON and a run with only one successful request', async () => {
    expect((await prefillError('{"input_lens": [1, 2')).problem).toContain('not valid JSON');
    const one = await prefillError(JSON.stringify({ input_lens: [1, 2], ttfts: [0.1, 0] }));
    expect(one.problem).toMatch(/1 usable point.*1 failed/);
  });

  it('keeps NaN-looking text inside strings intact', async () => {
    const file = join(dir, 'prefill-ok.json');
    writeFileSync(
      file,
      '{"model_id": "NaN-Infinity", "input_lens": [1, 2, 3], "ttfts": [0.1, 0.2, 0.3], "errors": ["", "", ""]}',
    );
    const r = await fitPrefillFile(file, dir, { plot: false });
    expect(r.beta).toBeCloseTo(0.1, 12);
  });

  it('names the file and the nested index of a NaN gap in a concurrency sweep', async () => {
    const sweep = join(dir, 'sweep');
    mkdirSync(sweep);
    writeFileSync(
      join(sweep, 'tpot-m-concurrency-1-t.json'),
      '{"max_concurrency": 1, "itls": [[0.01, 0.02]]}',
    );
    const bad = join(sweep, 'tpot-m-concurrency-2-t.json');
    writeFileSync(bad, '{"max_concurrency": 2, "itls": [[0.01], [0.02, Infinity]]}');
    const err = (await fitTpotDir(sweep, dir, { plot: false }).catch((e: unknown) => e)) as BenchDataError;
    expect(err).toBeInstanceOf(BenchDataError);
    expect(err.file).toBe(bad);
    expect(err.key).toBe('itls[1][1]');
  });

  it('rejects a concurrency file whose itls are missing or empty, and a sweep with a single level', async () => {
    const sweep = join(dir, 's2');
    mkdirSync(sweep);
    writeFileSync(join(sweep, 'tpot-m-concurrency-1-t.json'), '{"max_concurrency": 1, "itls": []}');
    const empty = (await fitTpotDir(sweep, dir, { plot: false }).catch((e: unknown) => e)) as BenchDataError;
    expect(empty.key).toBe('itls');
    writeFileSync(join(sweep, 'tpot-m-concurrency-1-t.json'), '{"max_concurrency": 1}');
    const missing = (await fitTpotDir(sweep, dir, { plot: false }).catch(
      (e: unknown) => e,
    )) as BenchDataError;
    expect(missing.key).toBe('itls');
    expect(missing.problem).toBe('missing');
    writeFileSync(
      join(sweep, 'tpot-m-concurrency-1-t.json'),
      '{"max_concurrency": 1, "itls": [[0.1], [0.2]]}',
    );
    const single = (await fitTpotDir(sweep, dir, { plot: false }).catch((e: unknown) => e)) as BenchDataError;
    expect(single).toBeInstanceOf(BenchDataError);
    expect(single.problem).toContain('distinct x');
  });
});

describe("Python's float repr in parameter files", () => {
  it.each([
    [0.028000000000000042, '0.028000000000000042'],
    [0.00022000000000000003, '0.00022000000000000003'],
    [-8.571428571428486e-6, '-8.571428571428486e-06'],
    [1e-5, '1e-05'],
    [2, '2.0'],
    [0, '0.0'],
    [123.5, '123.5'],
    [1e16, '1e+16'],
    [1234567890123456.0, '1234567890123456.0'],
  ])('%d is written as %s', (v, text) => {
    expect(pythonFloatRepr(v)).toBe(text);
  });
});
