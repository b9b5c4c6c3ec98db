/**
 * The store contract against a real S3-compatible server: SeaweedFS (`weed server -s3`, built once into the tool
 * cache) on 127.0.0.1 with a private data dir and fresh keys, one bucket, one key prefix per test.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { type ArtifactStore, S3Store, storeFromEnv } from '../../../core/store/index.js';
import { useSeaweedBucket } from '../../helpers/seaweed-bucket.js';
import { describeStoreContract } from './contract.js';

const BUCKET = 'migflow-test';
const s3 = useSeaweedBucket(BUCKET);
const scratch = mkdtempSync(join(tmpdir(), 'migflow-s3-store-'));
let n = 0;

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

function envFor(prefix: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    MIGFLOW_STORE: `s3://${BUCKET}/${prefix}`,
    MIGFLOW_STORE_ENDPOINT: s3.weed.endpoint,
    MIGFLOW_STORE_CACHE: join(scratch, prefix, 'cache'),
    AWS_ACCESS_KEY_ID: s3.weed.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.weed.secretAccessKey,
    ...extra,
  };
}

function prefixOf(store: ArtifactStore): string {
  return store.location.slice(`s3://${BUCKET}/`.length);
}

async function blobKeyOf(store: ArtifactStore, ref: string, path: string): Promise<string> {
  const manifest = await store.lookup(ref);
  const rec = manifest!.outputs.find((o) => o.path === path)!;
  return `${prefixOf(store)}blobs/sha256/${rec.sha256.slice(0, 2)}/${rec.sha256}`;
}

async function allKeys(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.raw.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix, ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) keys.push(o.Key!);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys.sort();
}

describeStoreContract('S3 (SeaweedFS)', {
  async make() {
    const env = envFor(`t${n++}-${Date.now()}`);
    return { store: storeFromEnv(env), env };
  },
  async corrupt(store, ref, path) {
    const Key = await blobKeyOf(store, ref, path);
    const body = Buffer.from(
      await (await s3.raw.send(new GetObjectCommand({ Bucket: BUCKET, Key }))).Body!.transformToByteArray(),
    );
    body[0] = body[0]! ^ 0xff;
    await s3.raw.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: body }));
  },
  async removeObject(store, ref, path) {
    await s3.raw.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: await blobKeyOf(store, ref, path) }));
  },
  async writeManifest(store, ref, text) {
    await s3.raw.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: `${prefixOf(store)}entries/${ref}/manifest.json`,
        Body: text,
      }),
    );
  },
  async rawObjects(store) {
    return allKeys(prefixOf(store));
  },
});

describe('S3 store specifics', () => {
  it('stores content once under its hash, and fetch keeps a verified local copy that it repairs', async () => {
    const env = envFor(`dedup-${Date.now()}`);
    const store = storeFromEnv(env) as S3Store;
    const src = join(scratch, 'dedup-src');
    mkdirSync(join(src, 'ckpt'), { recursive: true });
    writeFileSync(join(src, 'ckpt', 'a.bin'), 'same bytes');
    writeFileSync(join(src, 'b.bin'), 'same bytes');
    await store.put('train/dup', src, {});
    const keys = await allKeys(prefixOf(store));
    expect(keys.filter((k) => k.includes('/blobs/'))).toHaveLength(1);
    const first = await store.fetch('train/dup');
    expect(first.transferredBytes).toBe(20);
    expect(first.dir).toBe(join(env.MIGFLOW_STORE_CACHE!, 'entries', 'train', 'dup'));
    // A damaged local copy is noticed and fetched again.
    writeFileSync(join(first.dir, 'b.bin'), 'SAME BYTES');
    const second = await store.fetch('train/dup');
    expect(second.transferredBytes).toBe(20);
    expect(readFileSync(join(second.dir, 'b.bin'), 'utf8')).toBe('same bytes');
  });

  it('reuses a blob it already holds while young, and uploads it again once older than reuseMaxAgeMs', async () => {
    const prefix = `reuse-${Date.now()}`;
    // reuseCheckMinBytes 0: every blob is looked for first, as the large ones are by default.
    const make = (reuseMaxAgeMs?: number) =>
      new S3Store({
        bucket: BUCKET,
        prefix,
        endpoint: s3.weed.endpoint,
        cacheDir: join(scratch, prefix),
        reuseCheckMinBytes: 0,
        ...(reuseMaxAgeMs === undefined ? {} : { reuseMaxAgeMs }),
      });
    const src = join(scratch, `${prefix}-src`);
    mkdirSync(src, { recursive: true });
    writeFileSync(join(src, 'w.bin'), 'weights');
    await make().put('train/r1', src, {});
    const key = await blobKeyOf(make(), 'train/r1', 'w.bin');
    const modified = async () =>
      (await s3.raw.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }))).LastModified!.getTime();
    const first = await modified();
    await new Promise((r) => setTimeout(r, 1_100)); // LastModified has one-second resolution
    await make().put('train/r2', src, {});
    expect(await modified()).toBe(first);
    await make(0).put('train/r3', src, {});
    expect(await modified()).toBeGreaterThan(first);
    // By default a blob this small is put again without asking (one request), which renews it too.
    const renewed = await modified();
    await new Promise((r) => setTimeout(r, 1_100));
    await new S3Store({
      bucket: BUCKET,
      prefix,
      endpoint: s3.weed.endpoint,
      cacheDir: join(scratch, prefix),
    }).put('train/r4', src, {});
    expect(await modified()).toBeGreaterThan(renewed);
  });

  it('takes credentials from an AWS shared credentials file and profile, and fails clearly with wrong ones', async () => {
    const creds = join(scratch, 'aws-credentials');
    writeFileSync(
      creds,
      `[migflow-test]\naws_access_key_id = ${s3.weed.accessKeyId}\naws_secret_access_key = ${s3.weed.secretAccessKey}\n`,
    );
    const prefix = `profile-${Date.now()}`;
    const env = envFor(prefix);
    delete env.AWS_ACCESS_KEY_ID;
    delete env.AWS_SECRET_ACCESS_KEY;
    const child = await execa(
      process.execPath,
      ['--import', 'tsx', 'test/unit/store/publish-child.ts', 'datasets/p', join(scratch, 'dedup-src')],
      {
        env: {
          ...withoutAwsKeys(process.env),
          ...env,
          AWS_SHARED_CREDENTIALS_FILE: creds,
          AWS_PROFILE: 'migflow-test',
        },
        extendEnv: false,
        reject: false,
      },
    );
    expect(child.stderr).not.toMatch(/Multiple credential sources|Error/);
    expect(child.exitCode).toBe(0);
    expect(child.stdout).toMatch(/done/);
    expect(await storeFromEnv(envFor(prefix)).exists('datasets/p')).toBe(true);

    const wrong = await execa(
      process.execPath,
      ['--import', 'tsx', 'test/unit/store/publish-child.ts', 'datasets/q', join(scratch, 'dedup-src')],
      { env: { ...env, AWS_ACCESS_KEY_ID: 'nobody', AWS_SECRET_ACCESS_KEY: 'wrong' }, reject: false },
    );
    expect(wrong.exitCode).not.toBe(0);
    expect(wrong.stderr).toMatch(/InvalidAccessKeyId|AccessDenied|SignatureDoesNotMatch/);
  });
});

function withoutAwsKeys(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  delete out.AWS_ACCESS_KEY_ID;
  delete out.AWS_SECRET_ACCESS_KEY;
  return out;
}
