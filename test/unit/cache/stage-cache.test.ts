import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canonicalJson, StageCache } from '../../../core/cache/index.js';

let dir: string;
let cache: StageCache;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'migflow-cache-'));
  cache = new StageCache({ root: join(dir, 'artifacts'), migflowVersion: '0.0.0-test' });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function input(name: string, text: string): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}

describe('canonicalJson', () => {
  it('orders keys and drops undefined so equal inputs serialise equally', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 2, y: 1 }], c: undefined } })).toBe(
      '{"a":{"d":[1,{"y":1,"z":2}]},"b":1}',
    );
  });
  it('refuses NaN instead of silently turning it into null', () => {
    expect(() => canonicalJson({ x: Number.NaN })).toThrow(/no JSON form/);
  });
});

describe('StageCache keys', () => {
  it('covers stage, code version, inputs and file content, not the file path', async () => {
    const a = input('a.jsonl', 'row1\n');
    const base = { stage: 'datasets', codeVersion: '1', inputs: { kind: 'coder' }, inputFiles: [a] };
    const k = (await cache.key(base)).key;
    expect((await cache.key({ ...base, inputs: { kind: 'coder' } })).key).toBe(k);
    expect((await cache.key({ ...base, stage: 'fit' })).key).not.toBe(k);
    expect((await cache.key({ ...base, codeVersion: '2' })).key).not.toBe(k);
    expect((await cache.key({ ...base, inputs: { kind: 'rag' } })).key).not.toBe(k);
    const moved = input('elsewhere.jsonl', 'row1\n');
    expect((await cache.key({ ...base, inputFiles: [moved] })).key).toBe(k);
    writeFileSync(a, 'row1 changed\n');
    expect((await cache.key(base)).key).not.toBe(k);
  });
});

describe('StageCache.run', () => {
  it('builds once, publishes outputs with a manifest, and returns the manifest on a hit without rebuilding', async () => {
    const a = input('a.txt', 'hello');
    let builds = 0;
    const req = { stage: 'datasets', codeVersion: '1', inputs: { n: 1 }, inputFiles: [a] };
    const build = async (out: string) => {
      builds++;
      mkdirSync(join(out, 'sub'));
      writeFileSync(join(out, 'sub', 'out.txt'), 'result');
      return { rows: 3 };
    };
    const first = await cache.run(req, build);
    expect(first.hit).toBe(false);
    expect(readFileSync(join(first.dir, 'sub', 'out.txt'), 'utf8')).toBe('result');
    expect(first.manifest.outputs).toEqual([
      { path: 'sub/out.txt', bytes: 6, sha256: createHash('sha256').update('result').digest('hex') },
    ]);
    expect(first.manifest.inputFiles[0]).toMatchObject({ path: a, bytes: 5 });
    const second = await cache.run(req, build);
    expect(second.hit).toBe(true);
    expect(builds).toBe(1);
    expect(second.manifest).toEqual(first.manifest);
    expect(second.manifest.summary).toEqual({ rows: 3 });
  });

  it('publishes nothing and leaves no temp dir when the build fails', async () => {
    const req = { stage: 'fit', codeVersion: '1', inputs: {}, inputFiles: [] };
    await expect(
      cache.run(req, async (out) => {
        writeFileSync(join(out, 'half.txt'), 'partial');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(readdirSync(join(dir, 'artifacts', 'fit'))).toEqual([]);
    expect(cache.list()).toEqual([]);
  });

  it('two builders racing on one key leave exactly one complete entry and both get it', async () => {
    const req = { stage: 'train', codeVersion: '1', inputs: { seed: 7 }, inputFiles: [] };
    const build = (tag: string) => async (out: string) => {
      writeFileSync(join(out, 'model.bin'), 'same-bytes');
      await new Promise((r) => setTimeout(r, 50));
      return { by: tag };
    };
    const [x, y] = await Promise.all([cache.run(req, build('x')), cache.run(req, build('y'))]);
    expect(x.dir).toBe(y.dir);
    expect([x.hit, y.hit].sort()).toEqual([false, true]);
    expect(x.manifest.summary).toEqual(y.manifest.summary);
    const entries = readdirSync(join(dir, 'artifacts', 'train'));
    expect(entries).toEqual([x.key]);
    expect(readFileSync(join(x.dir, 'model.bin'), 'utf8')).toBe('same-bytes');
  });
});

describe('StageCache.list and gc', () => {
  it('lists entries and removes stale temp dirs and all but the newest N per stage', async () => {
    for (const n of [1, 2, 3]) {
      await cache.run({ stage: 'bench', codeVersion: '1', inputs: { n }, inputFiles: [] }, async (out) => {
        writeFileSync(join(out, 'r.json'), String(n));
        await new Promise((r) => setTimeout(r, 5));
        return { n };
      });
    }
    const stale = join(dir, 'artifacts', 'bench', '.tmp-deadbeef-1-aaaa');
    const fresh = join(dir, 'artifacts', 'bench', '.tmp-cafe-2-bbbb');
    mkdirSync(stale);
    mkdirSync(fresh);
    const old = new Date(Date.now() - 2 * 3_600_000);
    utimesSync(stale, old, old);
    expect(cache.list().map((e) => (e.summary as { n: number }).n)).toEqual([3, 2, 1]);
    const removed = cache.gc({ keepPerStage: 1 });
    expect(removed).toContain(stale);
    expect(removed).not.toContain(fresh);
    expect(existsSync(fresh)).toBe(true);
    expect(cache.list().map((e) => (e.summary as { n: number }).n)).toEqual([3]);
  });

  it('removes a resumable run directory only once nothing in it has changed for a day', () => {
    const work = join(dir, 'artifacts', 'train', '.work');
    const abandoned = join(work, 'abandoned');
    const resumable = join(work, 'resumable');
    for (const run of [abandoned, resumable]) {
      mkdirSync(join(run, 'checkpoints'), { recursive: true });
      writeFileSync(join(run, 'checkpoints', 'rl_model_512_steps.json'), '{}');
    }
    const twoDaysAgo = new Date(Date.now() - 48 * 3_600_000);
    for (const p of [
      join(abandoned, 'checkpoints', 'rl_model_512_steps.json'),
      join(abandoned, 'checkpoints'),
      abandoned,
    ])
      utimesSync(p, twoDaysAgo, twoDaysAgo);
    // Old directories, but a checkpoint written just now: a run still in progress (or about to be resumed).
    for (const p of [join(resumable, 'checkpoints'), resumable]) utimesSync(p, twoDaysAgo, twoDaysAgo);
    const removed = cache.gc({ dryRun: true });
    expect(removed).toContain(abandoned);
    expect(removed).not.toContain(resumable);
    cache.gc();
    expect(existsSync(abandoned)).toBe(false);
    expect(existsSync(join(resumable, 'checkpoints', 'rl_model_512_steps.json'))).toBe(true);
  });
});
