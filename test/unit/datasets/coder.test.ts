import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareDataset } from '../../../core/datasets/index.js';
import { preprocessCoderRow } from '../../../core/datasets/preprocess/coder.js';
import { G, H, readJsonlFile, tempDir, writeJsonl } from './helpers.js';

describe('coder preprocessing (PC1)', () => {
  it('expands a conversation into one row per answered round and drops the trailing question', async () => {
    const dir = tempDir();
    const input = writeJsonl(join(dir, 'raw.jsonl'), [
      { id: 7, messages: [H('h1'), G('g1'), H('h2'), G('g2'), H('h3')] },
      { id: 8, messages: [H('only')] },
    ]);
    const res = await prepareDataset({ kind: 'coder', inputs: [input], outDir: join(dir, 'out') });
    expect(readJsonlFile(res.outputFile)).toEqual([
      { messages: [H('h1'), G('g1')], id: '7_round_1' },
      { messages: [H('h1'), G('g1'), H('h2'), G('g2')], id: '7_round_2' },
    ]);
    expect(res).toMatchObject({
      rowsRead: 2,
      rowsWritten: 2,
      malformed: { count: 0 },
      dropped: { noCompleteRound: 1 },
    });
    expect(res.outputFile).toBe(join(dir, 'out', 'coder.sharegpt.jsonl'));
  });

  it('writes each row as {"messages", "id"} in that key order, one per line', async () => {
    const dir = tempDir();
    const input = writeJsonl(join(dir, 'raw.jsonl'), [{ id: 'x', messages: [H('a'), G('b')] }]);
    const res = await prepareDataset({ kind: 'coder', inputs: [input], outDir: dir });
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(res.outputFile, 'utf8')).toBe(
      '{"messages":[{"role":"human","value":"a"},{"role":"gpt","value":"b"}],"id":"x_round_1"}\n',
    );
  });

  it('uses "0" for a missing id and Python\'s "None" for a null one, as the reference does', () => {
    const noId = preprocessCoderRow({ messages: [H('a'), G('b'), H('c'), G('d')] });
    expect(noId.ok && noId.rows.map((r) => r.id)).toEqual(['0_round_1', '0_round_2']);
    const nullId = preprocessCoderRow({ id: null, messages: [H('a'), G('b')] });
    expect(nullId.ok && nullId.rows.map((r) => r.id)).toEqual(['None_round_1']);
  });

  it('does not check roles or alternation, trusting positions like the reference', () => {
    const out = preprocessCoderRow({ id: 1, messages: [G('x'), H('y')] });
    expect(out).toEqual({ ok: true, rows: [{ messages: [G('x'), H('y')], id: '1_round_1' }] });
  });

  it('reports rows without usable messages as malformed, with the reason', () => {
    expect(preprocessCoderRow({ id: 1 })).toEqual({ ok: false, reason: '"messages" is missing' });
    expect(preprocessCoderRow({ id: 1, messages: 'hi' })).toEqual({
      ok: false,
      reason: '"messages" is a string, not a list',
    });
    expect(preprocessCoderRow({ id: 1, messages: [H('a'), { role: 'gpt', value: null }] })).toEqual({
      ok: false,
      reason: 'messages[1].value is null, expected a string',
    });
    expect(preprocessCoderRow([1, 2])).toEqual({ ok: false, reason: 'row is an array, not an object' });
  });
});
