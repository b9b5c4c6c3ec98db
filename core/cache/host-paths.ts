/**
 * Paths that travel between hosts. Stage results carry absolute paths into the publishing host's copy of an entry
 * (`…/<stage>/<key>/<file>`), and the pipeline's working simulation config lives in its host's artifacts folder
 * (`…/pipeline/simulation-configs/<source hash>/<file>`). With a shared store (S3) a worker on another host maps
 * such a path to its own verified copy, fetched by ref; with the local folder every path is used as it is.
 */
import { copyFileSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { ArtifactStore } from '../store/index.js';
import { hashFile } from './hash.js';

const STAGES = new Set(['datasets', 'profiling', 'fit', 'train', 'bench']);
const KEY = /^[0-9a-f]{24}$/;
/** Where the working copy of a config lives, relative to an artifacts folder; see core/config/working-copy.ts. */
const SHARED_FILES_DIR = ['pipeline', 'simulation-configs'];

/** The stage entry a path points into (the last `<stage>/<key>` pair in it), and the rest of the path. */
export function entryOfPath(path: string): { ref: string; rest: string } | undefined {
  const parts = path.split('/');
  for (let i = parts.length - 2; i >= 0; i--) {
    if (STAGES.has(parts[i]!) && KEY.test(parts[i + 1]!)) {
      return { ref: `${parts[i]}/${parts[i + 1]}`, rest: parts.slice(i + 2).join('/') };
    }
  }
  return undefined;
}

/** `pipeline/simulation-configs/<hash>` for a shared file's path, else undefined. */
function sharedDirOfPath(path: string): string | undefined {
  const parts = path.split('/');
  const n = parts.length;
  if (n < 4 || parts[n - 4] !== SHARED_FILES_DIR[0] || parts[n - 3] !== SHARED_FILES_DIR[1]) return undefined;
  return KEY.test(parts[n - 2]!) ? `${parts[n - 4]}/${parts[n - 3]}/${parts[n - 2]}` : undefined;
}

/**
 * Publishes the current content of a shared file (the pipeline's working simulation config after it was created or
 * written back) as `pipeline/simulation-configs/<source hash>/<content hash>`, so other hosts read the newest one.
 * Does nothing without a shared store or for paths outside that folder.
 */
export async function shareFile(store: ArtifactStore | undefined, path: string): Promise<void> {
  const dir = store && sharedDirOfPath(path);
  if (!store || !dir) return;
  const { sha256 } = await hashFile(path);
  // The store publishes folders: a private one holding a copy of just this file.
  const staging = mkdtempSync(join(dirname(path), '.tmp-share-'));
  try {
    copyFileSync(path, join(staging, basename(path)));
    await store.put(`${dir}/${sha256.slice(0, 24)}`, staging, {
      file: basename(path),
      publishedAt: new Date().toISOString(),
    });
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * This host's path for `path`: unchanged with the local folder store and for paths that name no entry (project
 * files); otherwise a verified local copy of the entry it points into, or of the newest shared version of the file.
 */
export async function localPath(store: ArtifactStore | undefined, path: string): Promise<string> {
  if (!store) return path;
  const shared = sharedDirOfPath(path);
  if (shared) return (await newestSharedCopy(store, shared, basename(path))) ?? path;
  const entry = entryOfPath(path);
  // Always through the store, even when the path exists here: it may be another host's folder on a shared disk.
  if (!entry) return path;
  const { dir } = await store.fetch(entry.ref, { verify: 'size' });
  return entry.rest ? join(dir, ...entry.rest.split('/')) : dir;
}

/** A verified local copy of the newest published version of shared file `name` in `dir`, or undefined when none. */
async function newestSharedCopy(
  store: ArtifactStore,
  dir: string,
  name: string,
): Promise<string | undefined> {
  const versions = await store.list<{ file?: string; publishedAt?: string }>(dir);
  const newest = versions
    .filter((v) => v.manifest.file === name)
    .sort((a, b) => (a.manifest.publishedAt ?? '').localeCompare(b.manifest.publishedAt ?? ''))
    .at(-1);
  return newest ? join((await store.fetch(newest.ref, { verify: 'size' })).dir, name) : undefined;
}

/**
 * Before a shared file is written again: this host's own copy of it (under `root`, the host's artifacts folder),
 * replaced by the newest version in the store — another orchestration host may have created it or written fits into
 * it. Returns the path to write; `path` unchanged without a shared store or for other paths.
 */
export async function pullSharedFile(
  store: ArtifactStore | undefined,
  path: string,
  root: string,
): Promise<string> {
  const dir = store && sharedDirOfPath(path);
  if (!store || !dir) return path;
  const mine = join(root, ...dir.split('/'), basename(path));
  const newest = await newestSharedCopy(store, dir, basename(path));
  if (newest && newest !== mine) {
    mkdirSync(dirname(mine), { recursive: true });
    // Atomic: a reader of this host's copy sees the old or the new version, never half of one.
    const staging = join(dirname(mine), `.tmp-pull-${process.pid}-${basename(path)}`);
    copyFileSync(newest, staging);
    renameSync(staging, mine);
  }
  return mine;
}
