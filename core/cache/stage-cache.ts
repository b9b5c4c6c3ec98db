/**
 * Content-addressed stage cache.
 *
 * The key of a stage run covers the stage name, the stage's code version, the canonical JSON of its inputs and the
 * content hashes of its input files. Outputs are built in a private temp dir under artifacts/<stage>/ and published by
 * one rename to artifacts/<stage>/<key>/, with manifest.json written last inside the temp dir — so a published entry
 * is always complete. Two workers racing on one key both build; the first rename wins and the loser's copy is
 * discarded (rename onto a non-empty directory fails), so the entry is never corrupted.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { ArtifactStore } from '../store/index.js';
import { asWriteError, fsyncTree, writeFileAtomic } from '../util/index.js';
import { canonicalJson } from './canonical-json.js';
import { hashFile, listFiles, sha256Hex } from './hash.js';
import { localPath, pullSharedFile, shareFile } from './host-paths.js';

export const MANIFEST_FILE = 'manifest.json';
const TMP_PREFIX = '.tmp-';
/**
 * Per-stage run directories that outlive a failed attempt so a retry can resume in them (training keeps its
 * checkpoints there). They are not cache entries: gc removes one once nothing in it has changed for a day.
 */
export const WORK_DIR = '.work';

/** Newest modification time of a directory or anything under it. */
function newestMtimeMs(dir: string): number {
  let newest = statSync(dir).mtimeMs;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtimeMs(full) : statSync(full).mtimeMs);
  }
  return newest;
}

export interface StageRequest {
  /** Stage name: also the folder under the cache root. */
  stage: string;
  /** Bump when the stage's code would produce different outputs for the same inputs. */
  codeVersion: string;
  /** Plain JSON inputs (paths inside are NOT hashed — list files in `inputFiles`). */
  inputs: unknown;
  /** Files whose content the outputs depend on. */
  inputFiles: readonly string[];
}

export interface FileRecord {
  path: string;
  sha256: string;
  bytes: number;
}

export interface StageManifest {
  stage: string;
  key: string;
  codeVersion: string;
  migflowVersion: string;
  inputs: unknown;
  inputFiles: FileRecord[];
  /** Output files, relative to the entry directory. */
  outputs: FileRecord[];
  /** Small JSON summary the stage returned (row counts, fitted values, …). */
  summary: unknown;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
}

export interface CacheResult<S> {
  hit: boolean;
  key: string;
  dir: string;
  manifest: StageManifest & { summary: S };
}

export interface StageCacheOptions {
  /** The artifacts directory: the cache itself with the local folder store, this host's scratch space with S3. */
  root: string;
  migflowVersion: string;
  /**
   * Where entries are published. Omitted or a local folder: `root` is the cache (entries are folders in it). An S3
   * store: entries are published there and every lookup asks it, so a host sees what any other host published;
   * `dir` is then this host's verified copy in the store's fetch cache.
   */
  store?: ArtifactStore;
}

/** A cache entry as `migflow cache ls` shows it. */
export type ListedEntry = StageManifest & { dir: string; sizeBytes: number };

export class StageCache {
  readonly root: string;
  readonly migflowVersion: string;
  /** The shared store when entries live beyond this host (S3); undefined for the local folder. */
  readonly remote: ArtifactStore | undefined;

  constructor(opts: StageCacheOptions) {
    this.root = resolve(opts.root);
    this.migflowVersion = opts.migflowVersion;
    this.remote = opts.store && opts.store.kind !== 'local' ? opts.store : undefined;
  }

  /** Where entries are published, for messages (a folder or `s3://bucket/prefix`). */
  get location(): string {
    return this.remote?.location ?? this.root;
  }

  /** This host's path for a path another host may have returned (see host-paths.ts); unchanged without S3. */
  localPath(path: string): Promise<string> {
    return localPath(this.remote, path);
  }

  /** This host's copy of a shared file, brought up to the store's newest version before it is written (host-paths.ts). */
  pullShared(path: string): Promise<string> {
    return pullSharedFile(this.remote, path, this.root);
  }

  /** Publishes the current content of a shared file (the working simulation config) for other hosts. */
  share(path: string): Promise<void> {
    return shareFile(this.remote, path);
  }

  /** Computes the key (hashing input files) without running anything. */
  async key(req: StageRequest): Promise<{ key: string; inputFiles: FileRecord[] }> {
    const inputFiles: FileRecord[] = [];
    for (const file of req.inputFiles) {
      const { sha256, bytes } = await hashFile(file);
      inputFiles.push({ path: file, sha256, bytes });
    }
    const material = canonicalJson({
      stage: req.stage,
      codeVersion: req.codeVersion,
      inputs: req.inputs,
      // Content, not paths: moving a dataset does not invalidate its stage.
      files: inputFiles.map((f) => f.sha256),
    });
    return { key: sha256Hex(material).slice(0, 24), inputFiles };
  }

  entryDir(stage: string, key: string): string {
    return join(this.root, stage, key);
  }

  /** The manifest of a published entry, or undefined. */
  lookup<S = unknown>(stage: string, key: string): (StageManifest & { summary: S }) | undefined {
    const file = join(this.entryDir(stage, key), MANIFEST_FILE);
    if (!existsSync(file)) return undefined;
    return JSON.parse(readFileSync(file, 'utf8')) as StageManifest & { summary: S };
  }

  /**
   * Returns the cached entry for `req`, or runs `build(outDir)` and publishes what it wrote there.
   * `build` must write only inside `outDir` and return a small JSON summary. When it throws, nothing is published.
   */
  async run<S>(req: StageRequest, build: (outDir: string) => Promise<S>): Promise<CacheResult<S>> {
    const { key, inputFiles } = await this.key(req);
    const remote = this.remote;
    const ref = `${req.stage}/${key}`;
    if (remote) {
      const found = await remote.lookup<StageManifest & { summary: S }>(ref);
      if (found)
        return { hit: true, key, dir: (await remote.fetch(ref, { verify: 'size' })).dir, manifest: found };
    }
    const dir = this.entryDir(req.stage, key);
    const cached = remote ? undefined : this.lookup<S>(req.stage, key);
    if (cached) return { hit: true, key, dir, manifest: cached };

    const stageDir = join(this.root, req.stage);
    const tmp = join(stageDir, `${TMP_PREFIX}${key}-${process.pid}-${randomBytes(4).toString('hex')}`);
    try {
      mkdirSync(tmp, { recursive: true });
    } catch (err) {
      throw asWriteError(err, tmp);
    }
    const started = Date.now();
    try {
      const summary = await build(tmp);
      // Builders write with their own calls (streams, child processes): fsync all of it before the rename
      // publishes it; a disk that filled up mid-build fails here or earlier, never after publication.
      try {
        fsyncTree(tmp);
      } catch (err) {
        throw asWriteError(err, tmp);
      }
      // The shared store hashes the files itself as it uploads them (once is enough).
      const outputs: FileRecord[] = [];
      if (!remote)
        for (const rel of listFiles(tmp)) outputs.push({ path: rel, ...(await hashFile(join(tmp, rel))) });
      const finished = Date.now();
      const manifest: StageManifest & { summary: S } = {
        stage: req.stage,
        key,
        codeVersion: req.codeVersion,
        migflowVersion: this.migflowVersion,
        inputs: req.inputs,
        inputFiles,
        outputs,
        summary,
        startedAt: new Date(started).toISOString(),
        finishedAt: new Date(finished).toISOString(),
        durationMs: finished - started,
      };
      if (remote) {
        // The store lists the outputs and writes the manifest last; the build folder becomes this host's copy.
        const { outputs: _none, ...meta } = manifest;
        const put = await remote.put(ref, tmp, meta, { move: true });
        const fetched = await remote.fetch<StageManifest & { summary: S }>(ref, { verify: 'size' });
        return { hit: !put.stored, key, dir: fetched.dir, manifest: fetched.manifest };
      }
      writeFileAtomic(join(tmp, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
      try {
        renameSync(tmp, dir);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw asWriteError(err, dir);
        // Another worker published the same key first: theirs is complete and equivalent; keep it.
        rmSync(tmp, { recursive: true, force: true });
        const theirs = this.lookup<S>(req.stage, key);
        if (!theirs) throw err;
        return { hit: true, key, dir, manifest: theirs };
      }
      return { hit: false, key, dir, manifest };
    } catch (err) {
      rmSync(tmp, { recursive: true, force: true });
      // A builder that hit a full disk with a plain write names the file it was writing; say what that means.
      throw (err as NodeJS.ErrnoException).code === 'ENOSPC' ||
        (err as NodeJS.ErrnoException).code === 'EDQUOT'
        ? asWriteError(err, (err as NodeJS.ErrnoException).path ?? dir)
        : err;
    }
  }

  /** Every published entry, newest first, wherever the cache publishes (the local folder or the shared store). */
  async entries(): Promise<ListedEntry[]> {
    const remote = this.remote;
    if (!remote) return this.list();
    const out: ListedEntry[] = [];
    for (const { ref, manifest } of await remote.list<StageManifest>()) {
      // Stage entries are `<stage>/<key>`; longer refs are run snapshots and shared files (see run-mirror.ts).
      if (ref.split('/').length !== 2) continue;
      const sizeBytes = manifest.outputs.reduce((n, o) => n + o.bytes, 0);
      out.push({ ...manifest, dir: `${remote.location}${ref}`, sizeBytes });
    }
    return out.sort((a, b) => b.finishedAt.localeCompare(a.finishedAt));
  }

  /**
   * `gc` wherever the cache publishes. With the shared store: entries beyond the newest `keepPerStage` per stage,
   * run snapshots (`<stage>/.work/…`) older than `workMaxAgeMs`, and objects no entry references any more older than
   * `tmpMaxAgeMs` go from the store; this host's scratch folder is cleaned as `gc` does.
   */
  async collect(opts: Parameters<StageCache['gc']>[0] = {}): Promise<string[]> {
    const remote = this.remote;
    const local = this.gc({ ...opts, keepPerStage: remote ? undefined : opts.keepPerStage });
    if (!remote) return local;
    const now = opts.now ?? Date.now();
    const workMaxAge = opts.workMaxAgeMs ?? 24 * 3_600_000;
    const doomed: string[] = [];
    const byStage = new Map<string, string[]>();
    for (const { ref, manifest } of await remote.list<Partial<StageManifest> & { publishedAt?: string }>()) {
      const parts = ref.split('/');
      if (parts.length === 2 && manifest.finishedAt) {
        const refs = byStage.get(parts[0]!) ?? [];
        refs.push(`${manifest.finishedAt} ${ref}`);
        byStage.set(parts[0]!, refs);
      } else if (parts[1] === WORK_DIR) {
        const at = Date.parse(manifest.publishedAt ?? '');
        if (!Number.isFinite(at) || now - at > workMaxAge) doomed.push(ref);
      }
    }
    if (opts.keepPerStage !== undefined) {
      for (const refs of byStage.values()) {
        refs.sort().reverse();
        doomed.push(...refs.slice(opts.keepPerStage).map((r) => r.slice(r.indexOf(' ') + 1)));
      }
    }
    if (!opts.dryRun) for (const ref of doomed) await remote.delete(ref);
    const orphans = await remote.removeOrphans({
      graceMs: opts.tmpMaxAgeMs ?? 3_600_000,
      ...(opts.dryRun ? { dryRun: true } : {}),
    });
    return [...local, ...doomed.map((r) => `${remote.location}${r}`), ...orphans];
  }

  /** Every published entry, newest first. */
  list(): (StageManifest & { dir: string; sizeBytes: number })[] {
    const out: (StageManifest & { dir: string; sizeBytes: number })[] = [];
    if (!existsSync(this.root)) return out;
    for (const stage of readdirSync(this.root, { withFileTypes: true })) {
      if (!stage.isDirectory()) continue;
      for (const entry of readdirSync(join(this.root, stage.name), { withFileTypes: true })) {
        if (!entry.isDirectory() || entry.name.startsWith(TMP_PREFIX)) continue;
        const m = this.lookup(stage.name, entry.name);
        if (!m) continue;
        const dir = this.entryDir(stage.name, entry.name);
        const sizeBytes = m.outputs.reduce((s, o) => s + o.bytes, 0);
        out.push({ ...m, dir, sizeBytes });
      }
    }
    return out.sort((a, b) => b.finishedAt.localeCompare(a.finishedAt));
  }

  /**
   * Removes leftovers of interrupted builds (temp dirs older than `tmpMaxAgeMs`, default 1 h, so a build in progress
   * is never touched), resumable run directories in `<stage>/.work/` untouched for `workMaxAgeMs` (default 24 h: a
   * retry waiting for its worker still finds its checkpoints), and published entries beyond the newest
   * `keepPerStage` of each stage (when given).
   */
  gc(
    opts: {
      keepPerStage?: number;
      tmpMaxAgeMs?: number;
      workMaxAgeMs?: number;
      dryRun?: boolean;
      now?: number;
    } = {},
  ): string[] {
    const removed: string[] = [];
    if (!existsSync(this.root)) return removed;
    const now = opts.now ?? Date.now();
    const tmpMaxAge = opts.tmpMaxAgeMs ?? 3_600_000;
    const workMaxAge = opts.workMaxAgeMs ?? 24 * 3_600_000;
    for (const stage of readdirSync(this.root, { withFileTypes: true })) {
      if (!stage.isDirectory()) continue;
      const stageDir = join(this.root, stage.name);
      for (const entry of readdirSync(stageDir, { withFileTypes: true })) {
        const full = join(stageDir, entry.name);
        if (
          entry.isDirectory() &&
          entry.name.startsWith(TMP_PREFIX) &&
          now - statSync(full).mtimeMs > tmpMaxAge
        ) {
          removed.push(full);
        }
      }
      const workDir = join(stageDir, WORK_DIR);
      if (existsSync(workDir))
        for (const run of readdirSync(workDir, { withFileTypes: true })) {
          const full = join(workDir, run.name);
          if (run.isDirectory() && now - newestMtimeMs(full) > workMaxAge) removed.push(full);
        }
    }
    if (opts.keepPerStage !== undefined) {
      const byStage = new Map<string, string[]>();
      for (const m of this.list()) {
        const dirs = byStage.get(m.stage) ?? [];
        dirs.push(m.dir);
        byStage.set(m.stage, dirs);
      }
      for (const dirs of byStage.values()) removed.push(...dirs.slice(opts.keepPerStage));
    }
    if (!opts.dryRun) for (const d of removed) rmSync(d, { recursive: true, force: true });
    return removed;
  }
}

/** Resolves a path that may be relative to `base` (paths in workflow inputs are relative to the project root). */
export function resolveFrom(base: string, p: string): string {
  return isAbsolute(p) ? p : resolve(base, p);
}
