/**
 * The artifact store's contract, run against every backend (local-store.test.ts, s3-store.test.ts): the same
 * behaviour from the local folder and from a real S3-compatible server.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../../core/paths.js';
import { type ArtifactStore, StoreIntegrityError, StoreUsageError } from '../../../core/store/index.js';

export interface Backend {
  /** A fresh, empty store (its own folder or key prefix). */
  make(): Promise<{ store: ArtifactStore; env: NodeJS.ProcessEnv }>;
  /** Overwrites the stored bytes of one file of an entry (same length, other content). */
  corrupt(store: ArtifactStore, ref: string, path: string): Promise<void>;
  /** Removes the stored bytes of one file of an entry, leaving its manifest. */
  removeObject(store: ArtifactStore, ref: string, path: string): Promise<void>;
  /** Overwrites an entry's manifest with `text`. */
  writeManifest(store: ArtifactStore, ref: string, text: string): Promise<void>;
  /** Every object or file the backend holds, as its own keys/paths. */
  rawObjects(store: ArtifactStore): Promise<string[]>;
}

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

const scratch = mkdtempSync(join(tmpdir(), 'migflow-store-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let n = 0;
function freshDir(name: string): string {
  return join(scratch, `${name}-${n++}`);
}

/** A stage-output-like folder: nested files, an empty one, binary content. */
function writeTree(files: Record<string, string | Buffer>): string {
  const dir = freshDir('src');
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  mkdirSync(dir, { recursive: true });
  return dir;
}

function manyFiles(count: number, bytes: number, seed: string): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (let i = 0; i < count; i++) {
    const block = Buffer.alloc(bytes);
    const stamp = Buffer.from(`${seed}-${i}-`);
    for (let j = 0; j < bytes; j++) block[j] = stamp[j % stamp.length]!;
    out[`part-${String(i).padStart(4, '0')}.bin`] = block;
  }
  return out;
}

const SAMPLE: Record<string, string | Buffer> = {
  'result.json': '{"reward": 1.5}\n',
  'checkpoints/rl_model_2048_steps/policy.bin': Buffer.from([0, 1, 2, 3, 255, 254, 0, 7]),
  'checkpoints/rl_model_2048_steps/empty.txt': '',
  'logs/train.jsonl': '{"step":1}\n{"step":2}\n',
};

export function describeStoreContract(name: string, backend: Backend): void {
  describe(`artifact store contract: ${name}`, () => {
    it('puts an entry and reads it back: manifest with hashes, exists, lookup, list, get, getFile, fetch', async () => {
      const { store } = await backend.make();
      const src = writeTree(SAMPLE);
      const put = await store.put('train/k1', src, { stage: 'train', key: 'k1', summary: { steps: 2048 } });
      expect(put.stored).toBe(true);
      expect(put.manifest.stage).toBe('train');
      expect(put.manifest.outputs).toEqual(
        Object.keys(SAMPLE)
          .sort()
          .map((path) => ({ path, sha256: sha(SAMPLE[path]!), bytes: Buffer.byteLength(SAMPLE[path]!) })),
      );
      expect(await store.exists('train/k1')).toBe(true);
      expect(await store.lookup('train/k1')).toEqual(put.manifest);
      expect((await store.list()).map((e) => e.ref)).toEqual(['train/k1']);

      const dest = join(freshDir('get'), 'entry');
      const got = await store.get('train/k1', dest);
      expect(got).toEqual(put.manifest);
      for (const [path, content] of Object.entries(SAMPLE)) {
        expect(readFileSync(join(dest, path))).toEqual(Buffer.from(content));
      }

      const one = join(freshDir('file'), 'policy.bin');
      const rec = await store.getFile('train/k1', 'checkpoints/rl_model_2048_steps/policy.bin', one, {
        expectSha256: sha(SAMPLE['checkpoints/rl_model_2048_steps/policy.bin']!),
      });
      expect(rec.bytes).toBe(8);
      expect(readFileSync(one)).toEqual(SAMPLE['checkpoints/rl_model_2048_steps/policy.bin']);

      const fetched = await store.fetch('train/k1');
      expect(readFileSync(join(fetched.dir, 'logs/train.jsonl'), 'utf8')).toBe(SAMPLE['logs/train.jsonl']);
      const again = await store.fetch('train/k1');
      expect(again.dir).toBe(fetched.dir);
      expect(again.transferredBytes).toBe(0);
      const file = await store.fetchFile('train/k1', 'result.json', {
        expectSha256: sha(SAMPLE['result.json']!),
      });
      expect(readFileSync(file, 'utf8')).toBe(SAMPLE['result.json']);
    });

    it('keeps the first complete entry of a ref: a second put returns it unchanged', async () => {
      const { store } = await backend.make();
      const first = await store.put('fit/k', writeTree({ 'a.txt': 'one' }), { n: 1 });
      const second = await store.put('fit/k', writeTree({ 'a.txt': 'two', 'b.txt': 'extra' }), { n: 2 });
      expect(second.stored).toBe(false);
      expect(second.manifest).toEqual(first.manifest);
      const dest = join(freshDir('get'), 'e');
      await store.get('fit/k', dest);
      expect(readFileSync(join(dest, 'a.txt'), 'utf8')).toBe('one');
    });

    it('lists by folder prefix, sorted, and ignores entries of sibling names', async () => {
      const { store } = await backend.make();
      for (const ref of [
        'bench/b',
        'bench/a',
        'benchx/c',
        'train/.work/run1/checkpoints/rl_model_64_steps',
      ]) {
        await store.put(ref, writeTree({ 'x.txt': ref }), { ref });
      }
      expect((await store.list('bench')).map((e) => e.ref)).toEqual(['bench/a', 'bench/b']);
      expect((await store.list('bench/')).map((e) => e.ref)).toEqual(['bench/a', 'bench/b']);
      expect((await store.list('bench/a')).map((e) => e.ref)).toEqual(['bench/a']);
      expect((await store.list('train/.work/run1/checkpoints')).map((e) => e.manifest.ref)).toEqual([
        'train/.work/run1/checkpoints/rl_model_64_steps',
      ]);
      expect(await store.list('nothing')).toEqual([]);
    });

    it('deletes an entry at once; removeOrphans then leaves nothing of it behind', async () => {
      const { store } = await backend.make();
      await store.put('datasets/d1', writeTree(SAMPLE), {});
      expect(await store.delete('datasets/d1')).toBe(true);
      expect(await store.exists('datasets/d1')).toBe(false);
      expect(await store.lookup('datasets/d1')).toBeUndefined();
      expect(await store.list()).toEqual([]);
      await expect(store.get('datasets/d1', join(freshDir('get'), 'e'))).rejects.toThrow(StoreUsageError);
      expect(await store.delete('datasets/d1')).toBe(false);
      await store.removeOrphans({ graceMs: 0 });
      expect(await backend.rawObjects(store)).toEqual([]);
    });

    it('shares nothing between entries that removeOrphans could break: a kept entry stays readable', async () => {
      const { store } = await backend.make();
      const tree = writeTree({ 'same.bin': 'identical content', 'own.txt': 'a' });
      await store.put('a/1', tree, {});
      await store.put('a/2', writeTree({ 'same.bin': 'identical content', 'own.txt': 'b' }), {});
      await store.delete('a/1');
      await store.removeOrphans({ graceMs: 0 });
      const dest = join(freshDir('get'), 'e');
      await store.get('a/2', dest);
      expect(readFileSync(join(dest, 'same.bin'), 'utf8')).toBe('identical content');
      expect(readFileSync(join(dest, 'own.txt'), 'utf8')).toBe('b');
    });

    it('detects a corrupted object on every read path, naming the entry and file, and writes nothing', async () => {
      const { store } = await backend.make();
      await store.put('train/bad', writeTree(SAMPLE), {});
      await backend.corrupt(store, 'train/bad', 'logs/train.jsonl');
      const dest = join(freshDir('get'), 'e');
      const err = await store.get('train/bad', dest).catch((e) => e);
      expect(err).toBeInstanceOf(StoreIntegrityError);
      expect(err.message).toMatch(/entry train\/bad: logs\/train\.jsonl: .*does not match the manifest/);
      expect(err.message).toMatch(/fix: delete the entry/);
      expect(() => readFileSync(join(dest, 'result.json'))).toThrow(/ENOENT/);
      const one = join(freshDir('file'), 'x');
      await expect(store.getFile('train/bad', 'logs/train.jsonl', one)).rejects.toThrow(StoreIntegrityError);
      expect(() => readFileSync(one)).toThrow(/ENOENT/);
      await expect(store.fetch('train/bad')).rejects.toThrow(StoreIntegrityError);
      await expect(store.fetchFile('train/bad', 'logs/train.jsonl')).rejects.toThrow(StoreIntegrityError);
      // The intact files of the entry still read.
      await store.getFile('train/bad', 'result.json', join(freshDir('file'), 'ok'));
    });

    it('reports a file missing behind its manifest, and a manifest that is not one', async () => {
      const { store } = await backend.make();
      await store.put('fit/gone', writeTree(SAMPLE), {});
      await backend.removeObject(store, 'fit/gone', 'result.json');
      await expect(store.get('fit/gone', join(freshDir('get'), 'e'))).rejects.toThrow(
        /result\.json: .*missing/,
      );
      await store.put('fit/garbled', writeTree({ 'a.txt': 'a' }), {});
      await backend.writeManifest(store, 'fit/garbled', '{"outputs": [{"path": "a.txt"}]');
      await expect(store.lookup('fit/garbled')).rejects.toThrow(
        /entry fit\/garbled: manifest\.json: is not valid JSON/,
      );
      await backend.writeManifest(store, 'fit/garbled', '{"outputs": [{"path": "a.txt"}]}');
      await expect(store.lookup('fit/garbled')).rejects.toThrow(/no well-formed "outputs"/);
    });

    it('refuses an expected hash the manifest does not list, and names a file the entry lacks', async () => {
      const { store } = await backend.make();
      await store.put('bench/h', writeTree({ 'r.txt': 'x' }), {});
      await expect(store.fetchFile('bench/h', 'r.txt', { expectSha256: sha('y') })).rejects.toThrow(
        /was expected \(the entry was replaced since\)/,
      );
      await expect(store.getFile('bench/h', 'nope.txt', join(freshDir('f'), 'n'))).rejects.toThrow(
        /has no file nope\.txt — fix: use one of its files: r\.txt/,
      );
    });

    it('refuses refs and file names that are not plain relative paths', async () => {
      const { store } = await backend.make();
      const src = writeTree({ 'a.txt': 'a' });
      for (const ref of ['../x', '/abs', 'a//b', 'a/./b', '.tmp-x/y', 'a b', '']) {
        await expect(store.put(ref, src, {})).rejects.toThrow(StoreUsageError);
      }
      await expect(store.put('x/m', writeTree({ 'manifest.json': '{}' }), {})).rejects.toThrow(/reserved/);
      expect(await store.exists('x/m')).toBe(false);
    });

    it('never shows a reader a half-published entry while a publisher uploads', async () => {
      const { store } = await backend.make();
      const files = manyFiles(40, 48 * 1024, 'reader');
      const src = writeTree(files);
      let published = false;
      const seen = { absent: 0, complete: 0 };
      const reader = (async () => {
        let i = 0;
        while (!published || seen.complete === 0) {
          const manifest = await store.lookup('train/busy');
          if (!manifest) {
            seen.absent++;
            continue;
          }
          // Whenever a manifest is visible, every file it lists is there and intact.
          expect(manifest.outputs).toHaveLength(40);
          const dest = join(freshDir('reader'), `e${i++}`);
          await store.get('train/busy', dest);
          expect(readFileSync(join(dest, 'part-0039.bin'))).toEqual(files['part-0039.bin']);
          seen.complete++;
        }
      })();
      await store.put('train/busy', src, {});
      published = true;
      await reader;
      expect(seen.absent).toBeGreaterThan(0);
      expect(seen.complete).toBeGreaterThan(0);
    });

    it('settles two publishers racing on one ref into one complete entry', async () => {
      const { store } = await backend.make();
      const a = manyFiles(12, 16 * 1024, 'A');
      const b = manyFiles(12, 16 * 1024, 'B');
      const results = await Promise.all([
        store.put('profiling/race', writeTree(a), { who: 'A' }),
        store.put('profiling/race', writeTree(b), { who: 'B' }),
      ]);
      const final = await store.lookup<{ who: string }>('profiling/race');
      expect(final).toBeDefined();
      const winner = final!.who === 'A' ? a : b;
      const dest = join(freshDir('get'), 'race');
      await store.get('profiling/race', dest);
      for (const [path, content] of Object.entries(winner))
        expect(readFileSync(join(dest, path))).toEqual(content);
      // Exactly one publisher stored it (local: the first rename; S3: the manifest's If-None-Match, which
      // SeaweedFS honours); the other was handed the winner's complete manifest.
      expect(results.filter((r) => r.stored)).toHaveLength(1);
      for (const r of results) expect(r.manifest).toEqual(final);
    });

    it('leaves nothing visible when a publisher process is killed midway (SIGKILL)', async () => {
      const { store, env } = await backend.make();
      const src = writeTree(manyFiles(150, 32 * 1024, 'killed'));
      const child = execa(
        process.execPath,
        ['--import', 'tsx', join(PROJECT_ROOT, 'test/unit/store/publish-child.ts'), 'train/killed', src],
        { env: { ...process.env, ...env }, reject: false, buffer: false, cwd: PROJECT_ROOT },
      );
      let stored = 0;
      let output = '';
      await new Promise<void>((resolve) => {
        child.stdout?.on('data', (c: Buffer) => {
          output += c.toString();
          stored = output.split('\n').filter((l) => l.startsWith('stored ')).length;
          if (stored >= 3) resolve();
        });
        child.stderr?.on('data', (c: Buffer) => {
          output += c.toString();
        });
        void child.then(() => resolve());
      });
      child.kill('SIGKILL');
      const r = await child;
      expect(r.signal, `the publisher should still have been running:\n${output}`).toBe('SIGKILL');
      expect(stored).toBeGreaterThanOrEqual(3);
      expect(await store.exists('train/killed')).toBe(false);
      expect(await store.lookup('train/killed')).toBeUndefined();
      expect(await store.list()).toEqual([]);
      // What it left is invisible to readers, and removeOrphans clears it.
      expect((await backend.rawObjects(store)).length).toBeGreaterThan(0);
      await store.removeOrphans({ graceMs: 0 });
      expect(await backend.rawObjects(store)).toEqual([]);
      // A later publisher publishes the ref completely.
      const again = await store.put('train/killed', src, {});
      expect(again.stored).toBe(true);
      expect(again.manifest.outputs).toHaveLength(150);
    });
  });
}
