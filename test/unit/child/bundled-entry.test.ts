import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import {
  bundledEntry,
  bundledEntryArgv,
  bundledEntrySourceDigest,
  pruneSupersededBundles,
  SUPERSEDED_BUNDLE_TTL_MS,
} from '../../../core/child/bundled-entry.js';
import { PROJECT_ROOT } from '../../../core/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'migflow-bundled-entry-'));
const cacheDir = join(PROJECT_ROOT, 'node_modules', '.cache', 'migflow', 'entries');
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  for (const f of readdirSync(cacheDir)) if (f.startsWith('probe-entry-')) rmSync(join(cacheDir, f));
});

const entry = join(dir, 'probe-entry.ts');
const write = (greeting: string) => {
  // A dynamic import (which a regex over static imports would miss), an npm package, import.meta.url and the
  // entry-name check, all as a real child entry uses them.
  writeFileSync(
    join(dir, 'dep.ts'),
    [
      `export const greeting: string = ${JSON.stringify(greeting)};`,
      'export const here = import.meta.url;',
      "export function fail(): never { throw new Error('probe failure'); }",
      '',
    ].join('\n'),
  );
  writeFileSync(
    entry,
    [
      "import { stringify } from 'yaml';",
      `import { startedAsEntry } from ${JSON.stringify(join(PROJECT_ROOT, 'core/child/started-as-entry.ts'))};`,
      "const dep = await import('./dep.js');",
      "if (process.argv[2] === 'fail') dep.fail();",
      "if (startedAsEntry('probe-entry')) process.stdout.write(stringify({ greeting: dep.greeting, here: dep.here }));",
      '',
    ].join('\n'),
  );
};

const run = async (file: string) => (await execa(process.execPath, [file])).stdout;

describe('bundledEntry', () => {
  it('runs the entry under plain node, rebuilds after any source edit and reuses the bundle otherwise', async () => {
    write('hello');
    const first = await bundledEntry(entry);
    expect(first).toMatch(/\/node_modules\/\.cache\/migflow\/entries\/probe-entry-[0-9a-f]{16}\.mjs$/);
    const out = await run(first);
    expect(out).toContain('greeting: hello');
    // Each module keeps its own URL, not the bundle's.
    expect(out).toContain(`here: file://${join(dir, 'dep.ts')}`);
    expect(await bundledEntry(entry)).toBe(first);

    write('changed');
    const second = await bundledEntry(entry);
    expect(second).not.toBe(first);
    expect(await run(second)).toContain('greeting: changed');
  });

  it('gives a source digest that changes with any file in the bundle, dynamic imports included, and only then', async () => {
    write('one');
    const first = await bundledEntrySourceDigest(entry);
    expect(await bundledEntrySourceDigest(entry)).toBe(first);
    write('two');
    const second = await bundledEntrySourceDigest(entry);
    expect(second).not.toBe(first);
    write('one');
    expect(await bundledEntrySourceDigest(entry)).toBe(first);
  });

  it('removes a superseded bundle once it is an hour old, keeping the current one', async () => {
    write('old');
    const old = await bundledEntry(entry);
    write('new');
    const current = await bundledEntry(entry);
    // Just superseded: a child handed the old path a moment ago must still find it.
    expect(pruneSupersededBundles(Date.now(), 'probe-entry')).toEqual([]);
    expect(existsSync(old)).toBe(true);
    const removed = pruneSupersededBundles(Date.now() + SUPERSEDED_BUNDLE_TTL_MS + 1_000, 'probe-entry');
    expect(removed).toContain(old.split('/').at(-1));
    expect(existsSync(old)).toBe(false);
    expect(existsSync(`${old}.map`)).toBe(false);
    expect(existsSync(current)).toBe(true);
    expect(await run(current)).toContain('greeting: new');
  });

  it('maps stack traces of the bundle back to the TypeScript sources', async () => {
    write('hello');
    const r = await execa(process.execPath, await bundledEntryArgv(entry, ['fail']), {
      reject: false,
    });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('probe failure');
    expect(r.stderr).toMatch(/dep\.ts:3:\d+/);
  });
});
