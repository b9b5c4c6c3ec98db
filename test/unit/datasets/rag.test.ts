import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareDataset } from '../../../core/datasets/index.js';
import { preprocessRagRow } from '../../../core/datasets/preprocess/rag.js';
import { readJsonlFile, tempDir, writeJsonl } from './helpers.js';

describe('RAG conversion (PC2)', () => {
  it('numbers rows 0..N-1 across inputs in order (train before test) and builds the exact prompt', async () => {
    const dir = tempDir();
    const train = writeJsonl(join(dir, 'train.jsonl'), [
      { context: 'C0', question: 'Q0', answer: 'A0' },
      { context: 'C1', question: 'Q1', answer: 'A1' },
    ]);
    const test = writeJsonl(join(dir, 'test.jsonl'), [{ context: 'C2', question: 'Q2', answer: 'A2' }]);
    const res = await prepareDataset({ kind: 'rag', inputs: [train, test], outDir: dir });
    const rows = readJsonlFile(res.outputFile) as { id: number; messages: unknown[] }[];
    expect(rows.map((r) => r.id)).toEqual([0, 1, 2]);
    expect(rows[2]).toEqual({
      id: 2,
      messages: [
        { role: 'human', value: 'Context:\nC2\n\nQuestion: Q2' },
        { role: 'gpt', value: 'A2' },
      ],
    });
    // id first, then messages, as the reference's dict order; integer ids, not strings.
    expect(readFileSync(res.outputFile, 'utf8').split('\n')[0]).toBe(
      '{"id":0,"messages":[{"role":"human","value":"Context:\\nC0\\n\\nQuestion: Q0"},{"role":"gpt","value":"A0"}]}',
    );
    expect(res.outputFile.endsWith('rag.sharegpt.jsonl')).toBe(true);
  });

  it('defaults missing fields to "" but renders a null context as "None" and keeps a null answer', () => {
    expect(preprocessRagRow({}, 4)).toEqual({
      ok: true,
      rows: [
        {
          id: 4,
          messages: [
            { role: 'human', value: 'Context:\n\n\nQuestion: ' },
            { role: 'gpt', value: '' },
          ],
        },
      ],
    });
    expect(preprocessRagRow({ context: null, question: 'Q', answer: null }, 0)).toEqual({
      ok: true,
      rows: [
        {
          id: 0,
          messages: [
            { role: 'human', value: 'Context:\nNone\n\nQuestion: Q' },
            { role: 'gpt', value: null },
          ],
        },
      ],
    });
  });

  it('keeps ids equal to raw positions when a row in between is malformed', async () => {
    const dir = tempDir();
    const input = writeJsonl(join(dir, 'raw.jsonl'), [
      { context: 'a', question: 'b', answer: 'c' },
      { context: { nested: true }, question: 'q', answer: 'x' },
      { context: 'd', question: 'e', answer: 'f' },
    ]);
    const res = await prepareDataset({ kind: 'rag', inputs: [input], outDir: dir });
    expect((readJsonlFile(res.outputFile) as { id: number }[]).map((r) => r.id)).toEqual([0, 2]);
    expect(res.malformed.examples).toEqual([
      { file: input, line: 2, reason: '"context" is an object, expected a string' },
    ]);
  });
});
