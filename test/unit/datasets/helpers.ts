/** Temp directories and small file writers shared by the dataset tests. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';

const dirs: string[] = [];

/** A fresh temp dir removed after the current test. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'migflow-datasets-'));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

export function writeJsonl(file: string, rows: unknown[]): string {
  writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return file;
}

export function readJsonlFile(file: string): unknown[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));
}

export const H = (value: string) => ({ role: 'human', value });
export const G = (value: string) => ({ role: 'gpt', value });

/** A JSON array file, the shape of the LMSYS dump as exported. */
export function writeJson(file: string, doc: unknown): string {
  writeFileSync(file, JSON.stringify(doc));
  return file;
}
