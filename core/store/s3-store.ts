/**
 * The S3-compatible backend: bucket + prefix, credentials from the AWS SDK's standard chain (environment variables,
 * ~/.aws/credentials and config, SSO, instance roles) — never from migflow's inputs, so they stay out of workflow
 * history.
 *
 * Layout under `s3://<bucket>/<prefix>`:
 *   blobs/sha256/<2 hex>/<sha256>   file content, addressed by its hash (immutable: same key, same bytes)
 *   entries/<ref>/manifest.json     the entry: its files' paths, hashes and sizes, plus the caller's fields
 * A put uploads the blobs its manifest needs, then the manifest (one PUT, so atomic): a reader either finds no
 * manifest or one whose every blob is already there. Because blobs never change, two publishers racing on a ref
 * cannot mix their files — the manifest is written with If-None-Match, so the first one wins where the server
 * supports conditional writes (and each complete manifest stays consistent where it does not). A publisher killed
 * midway leaves only unreferenced blobs, which no reader sees and `removeOrphans` deletes. Every download is
 * hashed on the way and compared with the manifest.
 *
 * `fetch` keeps verified local copies in a cache folder laid out like the local folder store (entries/) plus
 * hash-named single files (blobs/), so a worker on another host reads a stage input by ref and hash.
 */
import { createReadStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { StoreIntegrityError, StoreUsageError } from './errors.js';
import { HashMismatch, hashFile, listFilesAsync, writeVerified } from './files.js';
import { LocalFolderStore } from './local-store.js';
import { fileRecord, parseManifest, requireManifest, sameOutputs, serializeManifest } from './manifest.js';
import { checkFilePath, checkPrefix, checkRef, MANIFEST_FILE, stagingBeside } from './refs.js';
// The store contract's types (types.ts), under one name.
import type * as Store from './types.js';

export interface S3StoreOptions {
  bucket: string;
  /** Key prefix inside the bucket ('' or e.g. `team/migflow`). */
  prefix?: string;
  /** Endpoint of an S3-compatible server (SeaweedFS, Ceph, …); omitted → AWS (or the SDK's AWS_ENDPOINT_URL_S3). */
  endpoint?: string;
  region?: string;
  /** Path-style URLs (`http://host/bucket/key`); default on when `endpoint` is given. */
  forcePathStyle?: boolean;
  /** Local folder for verified copies that `fetch`/`fetchFile` return. */
  cacheDir: string;
  /** Parallel transfers of one put/get (default 4). */
  concurrency?: number;
  /** A put reuses a blob the bucket already holds when it is younger than this (default 10 min); else uploads it again. */
  reuseMaxAgeMs?: number;
  /**
   * Blobs of at least this many bytes (default 64 KiB) are looked for (HEAD) before they are uploaded; smaller ones
   * are put straight away, one request instead of two.
   */
  reuseCheckMinBytes?: number;
}

interface AwsError {
  name?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

function isStatus(err: unknown, ...codes: number[]): boolean {
  const status = (err as AwsError | undefined)?.$metadata?.httpStatusCode;
  return status !== undefined && codes.includes(status);
}

function isNotFound(err: unknown): boolean {
  const name = (err as AwsError | undefined)?.name;
  return name === 'NoSuchKey' || name === 'NotFound' || isStatus(err, 404);
}

/**
 * Runs `fn` over `items` with at most `limit` at a time, keeping the order of results. After a failure no new item
 * starts, and the first error is thrown only once every running one has settled (so a caller's cleanup never races
 * a transfer still writing).
 */
async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  let failure: { err: unknown } | undefined;
  const lane = async () => {
    while (next < items.length && !failure) {
      const i = next++;
      try {
        out[i] = await fn(items[i] as T, i);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (failure) throw failure.err;
  return out;
}

export class S3Store implements Store.ArtifactStore {
  readonly kind = 's3' as const;
  readonly location: string;
  readonly bucket: string;
  readonly client: S3Client;
  private readonly prefix: string;
  private readonly concurrency: number;
  private readonly reuseMaxAgeMs: number;
  private readonly reuseCheckMinBytes: number;
  /** Verified local copies of entries (same layout as the local folder store). */
  private readonly entryCache: LocalFolderStore;
  private readonly blobCacheDir: string;

  constructor(opts: S3StoreOptions) {
    this.bucket = opts.bucket;
    this.prefix = opts.prefix ? `${checkPrefix(opts.prefix)}/` : '';
    this.location = `s3://${opts.bucket}/${this.prefix}`;
    this.concurrency = opts.concurrency ?? 4;
    this.reuseMaxAgeMs = opts.reuseMaxAgeMs ?? 10 * 60_000;
    this.reuseCheckMinBytes = opts.reuseCheckMinBytes ?? 64 * 1024;
    const config: S3ClientConfig = {
      region: opts.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
      // migflow checks sha256 of every object itself; the SDK's optional CRC trailers are not understood by every
      // S3-compatible server.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    };
    if (opts.endpoint) {
      config.endpoint = opts.endpoint;
      config.forcePathStyle = opts.forcePathStyle ?? true;
    } else if (opts.forcePathStyle !== undefined) {
      config.forcePathStyle = opts.forcePathStyle;
    }
    this.client = new S3Client(config);
    this.entryCache = new LocalFolderStore(join(opts.cacheDir, 'entries'));
    this.blobCacheDir = join(opts.cacheDir, 'blobs');
  }

  private blobKey(sha256: string): string {
    return `${this.prefix}blobs/sha256/${sha256.slice(0, 2)}/${sha256}`;
  }

  private manifestKey(ref: string): string {
    return `${this.prefix}entries/${checkRef(ref)}/${MANIFEST_FILE}`;
  }

  /**
   * Whether a blob can be reused as it is. One older than `reuseMaxAgeMs` is uploaded again, which renews its
   * LastModified: removeOrphans only deletes unreferenced blobs older than its grace period (1 h by default), so a
   * put reusing a blob that no manifest references yet does not lose it to a sweep started meanwhile.
   */
  private async reusableBlob(sha256: string, bytes: number): Promise<boolean> {
    try {
      const head = await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: this.blobKey(sha256) }),
      );
      // A blob of the wrong size (an interrupted server-side write) is replaced, not trusted.
      const fresh =
        head.LastModified !== undefined && Date.now() - head.LastModified.getTime() < this.reuseMaxAgeMs;
      return head.ContentLength === bytes && fresh;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  private async uploadBlob(file: string, rec: { sha256: string; bytes: number }): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.blobKey(rec.sha256),
        Body: createReadStream(file),
        ContentLength: rec.bytes,
        ContentType: 'application/octet-stream',
        Metadata: { sha256: rec.sha256 },
      }),
    );
  }

  async put<M extends object>(
    ref: string,
    sourceDir: string,
    meta: M,
    opts: Store.PutOptions = {},
  ): Promise<Store.PutResult<M>> {
    const key = this.manifestKey(ref);
    const existing = await this.lookup<M>(ref);
    if (existing) return { ref, stored: false, manifest: existing };
    const paths = (await listFilesAsync(sourceDir)).map((p) => checkFilePath(ref, p));
    const outputs = await mapLimit(paths, this.concurrency, async (path) => {
      const file = join(sourceDir, path);
      const h = await hashFile(file);
      // A small blob is simply put again (one request instead of HEAD + PUT; a PUT of the same content is harmless
      // and renews its age like a re-upload would): most entries are small JSON and YAML files.
      if (h.bytes < this.reuseCheckMinBytes || !(await this.reusableBlob(h.sha256, h.bytes))) {
        await this.uploadBlob(file, h);
      }
      const rec: Store.StoredFile = { path, ...h };
      opts.onFile?.(rec);
      return rec;
    });
    const manifest = { ...meta, outputs } as Store.EntryManifest<M>;
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: serializeManifest(manifest),
          ContentType: 'application/json',
          IfNoneMatch: '*',
        }),
      );
    } catch (err) {
      // 412: another publisher's manifest landed first; 409: one is landing right now. Theirs is complete.
      if (!isStatus(err, 409, 412)) throw err;
      const theirs = await this.lookup<M>(ref);
      if (!theirs) throw err;
      return { ref, stored: false, manifest: theirs };
    }
    if (opts.move) await this.keepAsFetched(ref, sourceDir, manifest);
    return { ref, stored: true, manifest };
  }

  /**
   * A consumed source folder becomes this host's verified local copy (one rename into the fetch cache), so the
   * publisher's own `fetch` right after a put transfers nothing. Across filesystems it is just removed.
   */
  private async keepAsFetched(
    ref: string,
    sourceDir: string,
    manifest: Store.EntryManifest<object>,
  ): Promise<void> {
    const dir = this.entryCache.entryDir(ref);
    const staging = stagingBeside(dir, 'put');
    try {
      await mkdir(dirname(dir), { recursive: true });
      await rename(sourceDir, staging);
    } catch {
      await rm(sourceDir, { recursive: true, force: true });
      return;
    }
    if ((await this.entryCache.lookup(ref).catch(() => undefined)) !== undefined) {
      await rm(staging, { recursive: true, force: true });
      return;
    }
    await this.entryCache.adopt(ref, staging, manifest);
  }

  async lookup<M extends object = Record<string, unknown>>(
    ref: string,
  ): Promise<Store.EntryManifest<M> | undefined> {
    let text: string;
    try {
      const r = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.manifestKey(ref) }),
      );
      text = (await r.Body?.transformToString('utf8')) ?? '';
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    return parseManifest<M>(text, { location: this.location, ref });
  }

  async exists(ref: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.manifestKey(ref) }));
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  /** Downloads one blob to `dest` through the hash check. */
  private async download(ref: string, rec: Store.StoredFile, dest: string): Promise<void> {
    let body: Readable;
    try {
      const r = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.blobKey(rec.sha256) }),
      );
      body = r.Body as Readable;
    } catch (err) {
      if (isNotFound(err)) {
        throw new StoreIntegrityError(
          this.location,
          ref,
          rec.path,
          `its object ${this.blobKey(rec.sha256)} is missing`,
        );
      }
      throw err;
    }
    const r = await writeVerified(() => body, dest, rec);
    if (r instanceof HashMismatch) {
      throw new StoreIntegrityError(
        this.location,
        ref,
        rec.path,
        `object ${this.blobKey(rec.sha256)}: ${r.describe()}`,
      );
    }
  }

  async get<M extends object = Record<string, unknown>>(
    ref: string,
    destDir: string,
  ): Promise<Store.EntryManifest<M>> {
    const manifest = requireManifest(await this.lookup<M>(ref), { location: this.location, ref });
    await this.downloadAll(ref, manifest, destDir);
    return manifest;
  }

  /** Every file of `manifest` into `destDir`, which appears whole (built in a staging folder, then renamed). */
  private async downloadAll(
    ref: string,
    manifest: Store.EntryManifest<object>,
    destDir: string,
  ): Promise<void> {
    await mkdir(dirname(destDir), { recursive: true });
    const staging = stagingBeside(destDir, 'get');
    try {
      await mkdir(staging);
      await mapLimit(manifest.outputs, this.concurrency, (rec) =>
        this.download(ref, rec, join(staging, rec.path)),
      );
      await rename(staging, destDir);
    } catch (err) {
      await rm(staging, { recursive: true, force: true });
      throw err;
    }
  }

  async list<M extends object = Record<string, unknown>>(prefix = ''): Promise<Store.EntryListing<M>[]> {
    const start = checkPrefix(prefix);
    const keyPrefix = `${this.prefix}entries/${start ? `${start}/` : ''}`;
    const refs: string[] = [];
    for await (const key of this.listKeys(keyPrefix)) {
      if (!key.endsWith(`/${MANIFEST_FILE}`)) continue;
      refs.push(key.slice(`${this.prefix}entries/`.length, -(MANIFEST_FILE.length + 1)));
    }
    const listed = await mapLimit(refs, 8, async (ref) => {
      const manifest = await this.lookup<M>(ref);
      return manifest ? { ref, manifest } : undefined;
    });
    return listed
      .filter((e): e is Store.EntryListing<M> => e !== undefined)
      .sort((a, b) => a.ref.localeCompare(b.ref));
  }

  private async *listKeys(keyPrefix: string): AsyncGenerator<string> {
    for await (const o of this.listObjects(keyPrefix)) yield o.key;
  }

  private async *listObjects(keyPrefix: string): AsyncGenerator<{ key: string; modified: Date | undefined }> {
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: keyPrefix, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) if (o.Key) yield { key: o.Key, modified: o.LastModified };
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async delete(ref: string): Promise<boolean> {
    if (!(await this.exists(ref))) return false;
    // Only the manifest: the entry disappears at once; blobs may be shared with other entries, so unreferenced
    // ones go with removeOrphans.
    await this.deleteKeys([this.manifestKey(ref)]);
    return true;
  }

  private async deleteKeys(keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      const r = await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        }),
      );
      const failed = r.Errors?.[0];
      if (failed) {
        throw new StoreUsageError(
          `${this.location}${failed.Key ?? ''}`,
          `could not be deleted (${failed.Code ?? '?'}: ${failed.Message ?? ''})`,
          'check that the credentials may delete objects in this bucket',
        );
      }
    }
  }

  async getFile(
    ref: string,
    path: string,
    dest: string,
    opts: { expectSha256?: string } = {},
  ): Promise<Store.StoredFile> {
    const rec = fileRecord(
      requireManifest(await this.lookup(ref), { location: this.location, ref }),
      { location: this.location, ref },
      path,
      opts.expectSha256,
    );
    await this.download(ref, rec, dest);
    return rec;
  }

  async fetch<M extends object = Record<string, unknown>>(
    ref: string,
    opts: Store.FetchOptions = {},
  ): Promise<Store.FetchResult<M>> {
    const manifest = requireManifest(await this.lookup<M>(ref), { location: this.location, ref });
    // A local copy whose manifest cannot be read counts as damaged: dropped and fetched again.
    const local = await this.entryCache.lookup<M>(ref).catch(() => 'damaged' as const);
    if (local && local !== 'damaged' && sameOutputs(local, manifest)) {
      try {
        const hit = await this.entryCache.fetch<M>(ref, opts);
        return { ...hit, manifest, transferredBytes: 0 };
      } catch (err) {
        if (!(err instanceof StoreIntegrityError)) throw err;
        // A damaged local copy is dropped and fetched again.
      }
    }
    if (local) await this.entryCache.delete(ref);
    const dir = this.entryCache.entryDir(ref);
    const staging = stagingBeside(dir, 'fetch');
    await this.downloadAll(ref, manifest, staging);
    const adopted = await this.entryCache.adopt(ref, staging, manifest);
    const transferredBytes = manifest.outputs.reduce((s, o) => s + o.bytes, 0);
    return { dir, manifest: adopted.manifest, transferredBytes };
  }

  async fetchFile(ref: string, path: string, opts: { expectSha256?: string } = {}): Promise<string> {
    const rec = fileRecord(
      requireManifest(await this.lookup(ref), { location: this.location, ref }),
      { location: this.location, ref },
      path,
      opts.expectSha256,
    );
    const cached = join(this.blobCacheDir, rec.sha256.slice(0, 2), rec.sha256);
    try {
      const h = await hashFile(cached);
      if (h.sha256 === rec.sha256 && h.bytes === rec.bytes) return cached;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    await this.download(ref, rec, cached);
    return cached;
  }

  /**
   * Deletes blobs that no manifest references and that are older than the grace period, and this host's fetched
   * copies of entries the store no longer holds. A put running meanwhile keeps its blobs: new ones are younger than
   * the grace, and reused ones were renewed (see reusableBlob). The one remaining window is a blob renewed between
   * this sweep's listing and its delete; keep sweeps rare (cache gc).
   */
  async removeOrphans(opts: { graceMs?: number; dryRun?: boolean } = {}): Promise<string[]> {
    const grace = opts.graceMs ?? 3_600_000;
    const now = Date.now();
    const referenced = new Set<string>();
    const entries = await this.list();
    for (const { manifest } of entries) for (const o of manifest.outputs) referenced.add(o.sha256);
    const orphans: string[] = [];
    for await (const o of this.listObjects(`${this.prefix}blobs/`)) {
      const sha = o.key.slice(o.key.lastIndexOf('/') + 1);
      if (referenced.has(sha)) continue;
      if (o.modified && now - o.modified.getTime() < grace) continue;
      orphans.push(o.key);
    }
    if (!opts.dryRun && orphans.length) await this.deleteKeys(orphans);
    orphans.push(...(await this.entryCache.removeOrphans(opts)));
    // This host's verified copies of entries the store no longer has go too (the fetch cache would only grow).
    const live = new Set(entries.map((e) => e.ref));
    for (const { ref } of await this.entryCache.list()) {
      if (live.has(ref)) continue;
      if (!opts.dryRun) await this.entryCache.delete(ref);
      orphans.push(this.entryCache.entryDir(ref));
    }
    return orphans;
  }
}
