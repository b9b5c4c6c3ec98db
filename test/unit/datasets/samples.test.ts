import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareDataset } from '../../../core/datasets/index.js';
import {
  CODER_MALFORMED_LINES,
  DEFAULT_SAMPLE_DIR,
  generateSamples,
  RAG_ROWS,
  SAMPLE_FILES,
} from '../../../datasets/generate-samples.js';
import { readJsonlFile, tempDir } from './helpers.js';

describe('bundled sample datasets', () => {
  it('regenerates byte-identically from the seed, twice and against the committed files', () => {
    const a = generateSamples(tempDir());
    const b = generateSamples(tempDir());
    for (const kind of ['coder', 'rag', 'chat'] as const) {
      const bytes = readFileSync(a[kind]);
      expect(bytes.equals(readFileSync(b[kind]))).toBe(true);
      expect(bytes.equals(readFileSync(join(DEFAULT_SAMPLE_DIR, SAMPLE_FILES[kind])))).toBe(true);
    }
  });

  it('keeps every sample under 1 MB', () => {
    for (const f of readdirSync(DEFAULT_SAMPLE_DIR)) {
      expect(statSync(join(DEFAULT_SAMPLE_DIR, f)).size).toBeLessThan(1_000_000);
    }
  });

  it('coder sample: reports exactly the deliberately malformed lines and expands the rest', async () => {
    const res = await prepareDataset({
      kind: 'coder',
      inputs: [join(DEFAULT_SAMPLE_DIR, SAMPLE_FILES.coder)],
      outDir: tempDir(),
    });
    expect(res.malformed.examples.map((e) => e.line)).toEqual(Object.keys(CODER_MALFORMED_LINES).map(Number));
    const rows = readJsonlFile(res.outputFile) as { id: string; messages: { role: string }[] }[];
    expect(rows.length).toBeGreaterThan(res.rowsRead);
    for (const r of rows) {
      expect(r.messages.length % 2).toBe(0);
      expect(r.messages.at(-1)?.role).toBe('gpt');
      expect(r.id).toMatch(/^\d+_round_\d+$/);
    }
  });

  it('rag sample: one row per raw row, ids 0..N-1', async () => {
    const res = await prepareDataset({
      kind: 'rag',
      inputs: [join(DEFAULT_SAMPLE_DIR, SAMPLE_FILES.rag)],
      outDir: tempDir(),
    });
    expect(res).toMatchObject({ rowsRead: RAG_ROWS, rowsWritten: RAG_ROWS, malformed: { count: 0 } });
    const rows = readJsonlFile(res.outputFile) as { id: number; messages: { value: string }[] }[];
    expect(rows.map((r) => r.id)).toEqual(Array.from({ length: RAG_ROWS }, (_, i) => i));
    expect(rows[0]?.messages[0]?.value).toMatch(/^Context:\n[^\n][\s\S]*\n\nQuestion: \S/);
  });

  it('chat sample: non-English conversations are left out and counted', async () => {
    const file = join(DEFAULT_SAMPLE_DIR, SAMPLE_FILES.chat);
    const raw = JSON.parse(readFileSync(file, 'utf8')) as { language: string; turn: number }[];
    const res = await prepareDataset({ kind: 'chat', inputs: [file], outDir: tempDir() });
    const english = raw.filter((r) => r.language === 'English');
    expect(res.dropped.nonEnglish).toBe(raw.length - english.length);
    expect(res.rowsWritten).toBe(english.reduce((n, r) => n + r.turn, 0));
  });
});
