/**
 * The local folder backend: today's artifacts/ layout, `<root>/<ref>/` holding the entry's files and its
 * manifest.json. An entry is built in a staging folder beside it (`.tmp-…`), its manifest written last, and published
 * with one rename, so a reader sees no folder or a complete one; a publisher killed midway leaves only a staging
 * folder, which `removeOrphans` clears. Two publishers racing on one ref: the first rename wins (rename onto a
 * non-empty folder fails) and the other gets the winner's manifest.
 */
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from '../util/index.js';
import { StoreIntegrityError } from './errors.js';
import { HashMismatch, hashFile, listFilesAsync, writeVerified } from './files.js';
import { fileRecord, parseManifest, requireManifest, serializeManifest } from './manifest.js';
import {
  checkFilePath,
  checkPrefix,
  checkRef,
  MANIFEST_FILE,
  STAGING_PREFIX,
  stagingBeside,
} from './refs.js';
import type {
  ArtifactStore,
  EntryListing,
  EntryManifest,
  FetchOptions,
  FetchResult,
  PutOptions,
  PutResult,
  StoredFile,
} from './types.js';

function errCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

export class LocalFolderStore implements ArtifactStore {
  readonly kind = 'local' as const;
  readonly location: string;

  constructor(root: string) {
    this.location = resolve(root);
  }

  entryDir(ref: string): string {
    return join(this.location, ...checkRef(ref).split('/'));
  }

  async put<M extends object>(
    ref: string,
    sourceDir: string,
    meta: M,
    opts: PutOptions = {},
  ): Promise<PutResult<M>> {
    const dir = this.entryDir(ref);
    const existing = await this.lookup<M>(ref);
    if (existing) return { ref, stored: false, manifest: existing };
    await mkdir(dirname(dir), { recursive: true });
    const staging = stagingBeside(dir, 'put');
    try {
      const outputs: StoredFile[] = [];
      if (opts.move && (await this.tryRename(sourceDir, staging))) {
        for (const path of await listFilesAsync(staging)) {
          checkFilePath(ref, path);
          const rec = { path, ...(await hashFile(join(staging, path))) };
          outputs.push(rec);
          opts.onFile?.(rec);
        }
      } else {
        await mkdir(staging);
        for (const path of await listFilesAsync(sourceDir)) {
          checkFilePath(ref, path);
          const r = await writeVerified(() => createReadStream(join(sourceDir, path)), join(staging, path));
          if (r instanceof HashMismatch) throw new Error('unreachable: no expected hash given');
          const rec = { path, ...r };
          outputs.push(rec);
          opts.onFile?.(rec);
        }
      }
      const manifest = { ...meta, outputs } as EntryManifest<M>;
      return await this.adopt(ref, staging, manifest);
    } catch (err) {
      await rm(staging, { recursive: true, force: true });
      throw err;
    }
  }

  /** Moves `from` to `to` when both are on one filesystem; false (nothing moved) when they are not. */
  private async tryRename(from: string, to: string): Promise<boolean> {
    try {
      await rename(from, to);
      return true;
    } catch (err) {
      if (errCode(err) === 'EXDEV') return false;
      throw err;
    }
  }

  /**
   * Publishes a staging folder whose files already match `manifest` (written by `put`, or downloaded and verified by
   * the S3 store's fetch cache): writes the manifest into it, then renames it into place.
   */
  async adopt<M extends object>(
    ref: string,
    staging: string,
    manifest: EntryManifest<M>,
  ): Promise<PutResult<M>> {
    const dir = this.entryDir(ref);
    writeFileAtomic(join(staging, MANIFEST_FILE), serializeManifest(manifest));
    try {
      await rename(staging, dir);
      return { ref, stored: true, manifest };
    } catch (err) {
      const code = errCode(err);
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
      await rm(staging, { recursive: true, force: true });
      const theirs = await this.lookup<M>(ref);
      if (!theirs) throw err;
      return { ref, stored: false, manifest: theirs };
    }
  }

  async lookup<M extends object = Record<string, unknown>>(
    ref: string,
  ): Promise<EntryManifest<M> | undefined> {
    let text: string;
    try {
      text = await readFile(join(this.entryDir(ref), MANIFEST_FILE), 'utf8');
    } catch (err) {
      if (errCode(err) === 'ENOENT' || errCode(err) === 'ENOTDIR') return undefined;
      throw err;
    }
    return parseManifest<M>(text, { location: this.location, ref });
  }

  async exists(ref: string): Promise<boolean> {
    try {
      return (await stat(join(this.entryDir(ref), MANIFEST_FILE))).isFile();
    } catch (err) {
      if (errCode(err) === 'ENOENT' || errCode(err) === 'ENOTDIR') return false;
      throw err;
    }
  }

  /** Copies one stored file to `dest` through the hash check. */
  private async copyChecked(ref: string, rec: StoredFile, dest: string): Promise<void> {
    const src = join(this.entryDir(ref), rec.path);
    let r: Awaited<ReturnType<typeof writeVerified>>;
    try {
      r = await writeVerified(() => createReadStream(src), dest, rec);
    } catch (err) {
      if (errCode(err) === 'ENOENT')
        throw new StoreIntegrityError(this.location, ref, rec.path, 'is missing');
      throw err;
    }
    if (r instanceof HashMismatch) throw new StoreIntegrityError(this.location, ref, rec.path, r.describe());
  }

  async get<M extends object = Record<string, unknown>>(
    ref: string,
    destDir: string,
  ): Promise<EntryManifest<M>> {
    const manifest = requireManifest(await this.lookup<M>(ref), { location: this.location, ref });
    await mkdir(dirname(resolve(destDir)), { recursive: true });
    const staging = stagingBeside(resolve(destDir), 'get');
    try {
      await mkdir(staging);
      for (const rec of manifest.outputs) await this.copyChecked(ref, rec, join(staging, rec.path));
      await rename(staging, destDir);
    } catch (err) {
      await rm(staging, { recursive: true, force: true });
      throw err;
    }
    return manifest;
  }

  async list<M extends object = Record<string, unknown>>(prefix = ''): Promise<EntryListing<M>[]> {
    const start = checkPrefix(prefix);
    const out: EntryListing<M>[] = [];
    const walk = async (ref: string): Promise<void> => {
      const dir = ref ? this.entryDir(ref) : this.location;
      let names: { name: string; isDirectory(): boolean }[];
      try {
        names = await readdir(dir, { withFileTypes: true });
      } catch (err) {
        if (errCode(err) === 'ENOENT' || errCode(err) === 'ENOTDIR') return;
        throw err;
      }
      if (ref && names.some((n) => n.name === MANIFEST_FILE && !n.isDirectory())) {
        const manifest = await this.lookup<M>(ref);
        if (manifest) out.push({ ref, manifest });
        return; // entries do not nest
      }
      for (const n of names) {
        if (!n.isDirectory() || n.name.startsWith(STAGING_PREFIX)) continue;
        await walk(ref ? `${ref}/${n.name}` : n.name);
      }
    };
    await walk(start);
    return out.sort((a, b) => a.ref.localeCompare(b.ref));
  }

  async delete(ref: string): Promise<boolean> {
    const dir = this.entryDir(ref);
    if (!(await this.exists(ref))) return false;
    // One rename makes the whole entry disappear; the files go afterwards.
    const trash = stagingBeside(dir, 'deleted');
    try {
      await rename(dir, trash);
    } catch (err) {
      if (errCode(err) === 'ENOENT') return false;
      throw err;
    }
    await rm(trash, { recursive: true, force: true });
    return true;
  }

  async getFile(
    ref: string,
    path: string,
    dest: string,
    opts: { expectSha256?: string } = {},
  ): Promise<StoredFile> {
    const manifest = requireManifest(await this.lookup(ref), { location: this.location, ref });
    const rec = fileRecord(manifest, { location: this.location, ref }, path, opts.expectSha256);
    await this.copyChecked(ref, rec, dest);
    return rec;
  }

  /** Checks one stored file in place. */
  private async verifyInPlace(ref: string, rec: StoredFile, verify: 'hash' | 'size'): Promise<void> {
    const file = join(this.entryDir(ref), rec.path);
    let actual: { sha256: string; bytes: number };
    try {
      actual =
        verify === 'hash' ? await hashFile(file) : { sha256: rec.sha256, bytes: (await stat(file)).size };
    } catch (err) {
      if (errCode(err) === 'ENOENT')
        throw new StoreIntegrityError(this.location, ref, rec.path, 'is missing');
      throw err;
    }
    if (actual.sha256 !== rec.sha256 || actual.bytes !== rec.bytes) {
      throw new StoreIntegrityError(this.location, ref, rec.path, new HashMismatch(rec, actual).describe());
    }
  }

  async fetch<M extends object = Record<string, unknown>>(
    ref: string,
    opts: FetchOptions = {},
  ): Promise<FetchResult<M>> {
    const manifest = requireManifest(await this.lookup<M>(ref), { location: this.location, ref });
    for (const rec of manifest.outputs) await this.verifyInPlace(ref, rec, opts.verify ?? 'hash');
    return { dir: this.entryDir(ref), manifest, transferredBytes: 0 };
  }

  async fetchFile(ref: string, path: string, opts: { expectSha256?: string } = {}): Promise<string> {
    const manifest = requireManifest(await this.lookup(ref), { location: this.location, ref });
    const rec = fileRecord(manifest, { location: this.location, ref }, path, opts.expectSha256);
    await this.verifyInPlace(ref, rec, 'hash');
    return join(this.entryDir(ref), rec.path);
  }

  async removeOrphans(opts: { graceMs?: number; dryRun?: boolean } = {}): Promise<string[]> {
    const grace = opts.graceMs ?? 3_600_000;
    const now = Date.now();
    const removed: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      let names: { name: string; isDirectory(): boolean }[];
      try {
        names = await readdir(dir, { withFileTypes: true });
      } catch (err) {
        if (errCode(err) === 'ENOENT') return;
        throw err;
      }
      if (dir !== this.location && names.some((n) => n.name === MANIFEST_FILE)) return;
      for (const n of names) {
        const full = join(dir, n.name);
        if (!n.isDirectory()) continue;
        if (n.name.startsWith(STAGING_PREFIX)) {
          if (now - (await stat(full)).mtimeMs >= grace) removed.push(full);
        } else {
          await walk(full);
        }
      }
    };
    await walk(this.location);
    if (!opts.dryRun) for (const d of removed) await rm(d, { recursive: true, force: true });
    return removed;
  }
}
