/**
 * The stage cache publishing through a real S3-compatible server (SeaweedFS on 127.0.0.1): two "hosts" with their
 * own artifacts folders and fetch caches share nothing but the bucket. What host A builds, host B finds (no
 * rebuild), reads through its own verified copy, and `cache ls|gc` see and clean; a training run's snapshots
 * restore on the other host; the working config's newest version is what the other host reads.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { entryOfPath, RunMirror, type StageCache } from '../../../core/cache/index.js';
import { stageCacheFromEnv } from '../../../workers/stage-cache.js';
import { useSeaweedBucket } from '../../helpers/seaweed-bucket.js';

const BUCKET = 'migflow-cache-test';
const s3 = useSeaweedBucket(BUCKET);
const scratch = mkdtempSync(join(tmpdir(), 'migflow-cache-s3-'));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

/** One host's environment: the shared bucket and prefix, its own artifacts folder and fetch cache. */
function hostEnv(prefix: string, host: string): NodeJS.ProcessEnv {
  return {
    MIGFLOW_STORE: `s3://${BUCKET}/${prefix}`,
    MIGFLOW_STORE_ENDPOINT: s3.weed.endpoint,
    MIGFLOW_STORE_CACHE: join(scratch, prefix, host, 'store-cache'),
    MIGFLOW_ARTIFACTS: join(scratch, prefix, host, 'artifacts'),
    AWS_ACCESS_KEY_ID: s3.weed.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.weed.secretAccessKey,
  };
}

function hosts(prefix: string): { a: StageCache; b: StageCache; envA: NodeJS.ProcessEnv } {
  const envA = hostEnv(prefix, 'a');
  return { a: stageCacheFromEnv(envA), b: stageCacheFromEnv(hostEnv(prefix, 'b')), envA };
}

function inputFile(name: string, text: string): string {
  const f = join(scratch, name);
  writeFileSync(f, text);
  return f;
}

describe('StageCache on S3, two hosts', () => {
  it("host B hits host A's entry without building, in its own verified copy; paths map across hosts", async () => {
    const prefix = `share-${Date.now()}`;
    const { a, b, envA } = hosts(prefix);
    expect(a.remote?.kind).toBe('s3');
    const req = {
      stage: 'fit',
      codeVersion: '1',
      inputs: { x: 1 },
      inputFiles: [inputFile('in.txt', 'input')],
    };
    const built = await a.run(req, async (out) => {
      mkdirSync(join(out, 'sub'));
      writeFileSync(join(out, 'sub', 'param.json'), '{"alpha":1}');
      return { rows: 3 };
    });
    expect(built.hit).toBe(false);
    expect(built.dir).toBe(join(envA.MIGFLOW_STORE_CACHE!, 'entries', 'fit', built.key));
    // Host A's copy is the build folder itself (no download after publishing), manifest included.
    expect(JSON.parse(readFileSync(join(built.dir, 'manifest.json'), 'utf8')).summary).toEqual({ rows: 3 });
    let rebuilt = false;
    const hit = await b.run(req, async () => {
      rebuilt = true;
      return { rows: 0 };
    });
    expect(rebuilt).toBe(false);
    expect(hit.hit).toBe(true);
    expect(hit.key).toBe(built.key);
    expect(hit.manifest.summary).toEqual({ rows: 3 });
    expect(hit.dir).not.toBe(built.dir);
    expect(readFileSync(join(hit.dir, 'sub', 'param.json'), 'utf8')).toBe('{"alpha":1}');
    // A path host A returned (its own copy) becomes host B's copy of the same file.
    const foreign = join(built.dir, 'sub', 'param.json');
    expect(entryOfPath(foreign)).toEqual({ ref: `fit/${built.key}`, rest: 'sub/param.json' });
    expect(await b.localPath(foreign)).toBe(join(hit.dir, 'sub', 'param.json'));
    // Project files are not entries: unchanged.
    expect(await b.localPath('/srv/project/configs/training_config.yaml')).toBe(
      '/srv/project/configs/training_config.yaml',
    );
  });

  it('shares the working simulation config: host B reads the newest version host A published', async () => {
    const { a, b } = hosts(`config-${Date.now()}`);
    const dir = join(a.root, 'pipeline', 'simulation-configs', 'ab'.repeat(12));
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'simulation_config.yaml');
    writeFileSync(file, 'version: 1\n');
    await a.share(file);
    await new Promise((r) => setTimeout(r, 5));
    writeFileSync(file, 'version: 2 # fitted\n');
    await a.share(file);
    const there = await b.localPath(file);
    expect(there).not.toBe(file);
    expect(readFileSync(there, 'utf8')).toBe('version: 2 # fitted\n');
  });

  it('a second orchestration host writes the working config from the newest version, into its own folder', async () => {
    const { a, b } = hosts(`config2-${Date.now()}`);
    const rel = ['pipeline', 'simulation-configs', 'cd'.repeat(12), 'simulation_config.yaml'];
    const fileA = join(a.root, ...rel);
    mkdirSync(join(fileA, '..'), { recursive: true });
    writeFileSync(fileA, 'version: 2 # fitted on host A\n');
    await a.share(fileA);
    // Host B is handed host A's path (a workflow input): it writes its own copy, starting from A's version.
    const mine = await b.pullShared(fileA);
    expect(mine).toBe(join(b.root, ...rel));
    expect(readFileSync(mine, 'utf8')).toBe('version: 2 # fitted on host A\n');
    await new Promise((r) => setTimeout(r, 5));
    writeFileSync(mine, 'version: 3 # fitted on host B\n');
    await b.share(mine);
    // Host A, asked again, reads and would write B's version.
    expect(readFileSync(await a.localPath(fileA), 'utf8')).toBe('version: 3 # fitted on host B\n');
    expect(readFileSync(await a.pullShared(fileA), 'utf8')).toBe('version: 3 # fitted on host B\n');
    // Nothing shared yet: the path is this host's own, and nothing is written.
    const fresh = join(a.root, 'pipeline', 'simulation-configs', 'ef'.repeat(12), 'simulation_config.yaml');
    expect(await b.pullShared(fresh)).toBe(
      join(b.root, 'pipeline', 'simulation-configs', 'ef'.repeat(12), 'simulation_config.yaml'),
    );
    expect(existsSync(join(b.root, 'pipeline', 'simulation-configs', 'ef'.repeat(12)))).toBe(false);
  });

  it('a run snapshot uploaded on host A restores on host B; older snapshots and, at the end, all go', async () => {
    const { a, b } = hosts(`mirror-${Date.now()}`);
    const runRef = 'train/.work/k-run1';
    const runA = join(a.root, 'train', '.work', 'k-run1');
    mkdirSync(join(runA, 'checkpoints', 'rl_model_512_steps'), { recursive: true });
    mkdirSync(join(runA, 'tensorboard'), { recursive: true });
    writeFileSync(join(runA, 'checkpoints', 'rl_model_512_steps', 'weights.bin'), 'w512');
    writeFileSync(join(runA, 'tensorboard', 'events'), 'appended in place');
    writeFileSync(join(runA, 'checkpoints', '.tmp-partial'), 'being written');
    const mirrorA = new RunMirror(a.remote, runRef, runA, { exclude: ['tensorboard'] });
    mirrorA.snapshot(512);
    await mirrorA.idle();
    mkdirSync(join(runA, 'checkpoints', 'rl_model_1024_steps'));
    writeFileSync(join(runA, 'checkpoints', 'rl_model_1024_steps', 'weights.bin'), 'w1024');
    writeFileSync(join(runA, 'run.json'), '{"starts":[1]}');
    mirrorA.snapshot(1024);
    await mirrorA.idle();
    const snapshots = await a.remote!.list(runRef);
    expect(snapshots.map((s) => s.ref)).toEqual([`${runRef}/at-000000001024`]);

    const runB = join(b.root, 'train', '.work', 'k-run1');
    const mirrorB = new RunMirror(b.remote, runRef, runB);
    const restored = await mirrorB.restore();
    expect(restored?.seq).toBe(1024);
    expect(readdirSync(join(runB, 'checkpoints')).sort()).toEqual([
      'rl_model_1024_steps',
      'rl_model_512_steps',
    ]);
    expect(readFileSync(join(runB, 'checkpoints', 'rl_model_1024_steps', 'weights.bin'), 'utf8')).toBe(
      'w1024',
    );
    expect(existsSync(join(runB, 'tensorboard'))).toBe(false);
    expect(existsSync(join(runB, 'manifest.json'))).toBe(false);
    // A host whose folder is as far along keeps it; one with an older state (an earlier attempt) gets the snapshot.
    expect(await mirrorB.restore(1024)).toBeUndefined();
    const runA2 = join(a.root, 'train', '.work', 'k-run1');
    expect(await mirrorA.restore(512)).toMatchObject({ seq: 1024 });
    expect(existsSync(join(runA2, 'tensorboard'))).toBe(false);
    await mirrorB.discard();
    expect(await a.remote!.list(runRef)).toEqual([]);
  });

  it('cache ls and cache gc work on the S3 store (through the CLI)', async () => {
    const prefix = `cli-${Date.now()}`;
    const { a, envA } = hosts(prefix);
    for (const x of [1, 2]) {
      await a.run({ stage: 'bench', codeVersion: '1', inputs: { x }, inputFiles: [] }, async (out) => {
        writeFileSync(join(out, 'result.json'), `{"x":${x}}`);
        return { x };
      });
      await new Promise((r) => setTimeout(r, 10));
    }
    const cli = (args: string[]) =>
      execa('npx', ['tsx', 'cli/main.ts', 'cache', ...args], { env: { ...process.env, ...envA } });
    const ls = JSON.parse((await cli(['ls', '--json'])).stdout) as { stage: string; summary: unknown }[];
    expect(ls.map((e) => [e.stage, e.summary])).toEqual([
      ['bench', { x: 2 }],
      ['bench', { x: 1 }],
    ]);
    const gc = await cli(['gc', '--keep', '1']);
    expect(gc.stdout).toContain(`s3://${BUCKET}/${prefix}/bench/`);
    const left = await a.entries();
    expect(left.map((e) => e.summary)).toEqual([{ x: 2 }]);
    // This host's copy of the removed entry went with it; the kept one stays.
    const copies = readdirSync(join(envA.MIGFLOW_STORE_CACHE!, 'entries', 'bench'));
    expect(copies).toEqual([left[0]!.key]);
  }, 60_000);
});
