/**
 * Snapshots of a resumable run directory in the shared store, so a retry on another host resumes where the dead
 * one stopped. Each time the run writes a checkpoint, `snapshot(seq)` publishes the run folder as it is then
 * (`<stage>/.work/<run>/<seq>`, manifest last, so only complete snapshots are visible) and drops older snapshots;
 * `restore()` on a fresh host downloads the newest. Without a shared store (the local folder) both do nothing:
 * the run directory itself survives a retry on the same host.
 *
 * The snapshot is taken from hard links made at one instant: the run rewrites its files by rename (new inodes), so
 * the linked files cannot change under the upload; a file written in place must be listed in `exclude`.
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, linkSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import type { ArtifactStore } from '../store/index.js';
import { listFiles } from './hash.js';

export interface RunSnapshotMeta {
  seq: number;
  host: string;
  publishedAt: string;
}

export interface RunMirrorOptions {
  /** Top-level names in the run folder to leave out (files written in place, rebuilt on resume). */
  exclude?: readonly string[];
  log?: (line: string) => void;
}

export class RunMirror {
  private chain: Promise<void> = Promise.resolve();
  private pending: number | undefined;
  private uploaded = -1;

  /**
   * `ref` names the run (`train/.work/<run>`), `runDir` is this host's folder of it; `store` is the shared store,
   * or undefined for the local folder.
   */
  constructor(
    readonly store: ArtifactStore | undefined,
    readonly ref: string,
    readonly runDir: string,
    private readonly opts: RunMirrorOptions = {},
  ) {}

  /**
   * Uploads the run folder as snapshot `seq` (e.g. the checkpoint's step count) in the background. Calls while an
   * upload runs coalesce into one upload of the newest state afterwards. Failures are logged, never thrown: the
   * run goes on, and a retry resumes from an older snapshot.
   */
  snapshot(seq: number): void {
    if (!this.store) return;
    const first = this.pending === undefined;
    this.pending = Math.max(this.pending ?? -1, seq);
    if (!first) return;
    this.chain = this.chain.then(async () => {
      const next = this.pending!;
      this.pending = undefined;
      if (next <= this.uploaded) return;
      try {
        await this.upload(next);
        this.uploaded = next;
      } catch (err) {
        this.opts.log?.(`run snapshot ${this.ref}/${next} not uploaded: ${(err as Error).message}`);
      }
    });
  }

  /** Resolves once every snapshot asked for so far is uploaded (or has failed). */
  async idle(): Promise<void> {
    for (;;) {
      const current = this.chain;
      await current;
      if (current === this.chain) return;
    }
  }

  private async upload(seq: number): Promise<void> {
    const store = this.store!;
    const staging = join(
      dirname(this.runDir),
      `.tmp-snapshot-${process.pid}-${randomBytes(4).toString('hex')}`,
    );
    try {
      linkTree(this.runDir, staging, new Set(this.opts.exclude ?? []));
      const meta: RunSnapshotMeta = { seq, host: hostname(), publishedAt: new Date().toISOString() };
      await store.put(`${this.ref}/${seqName(seq)}`, staging, meta);
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
    // Older snapshots are superseded (their blobs go with the store's orphan sweep, `migflow cache gc`).
    for (const old of await this.snapshots()) {
      if (old.manifest.seq < seq) await store.delete(old.ref);
    }
  }

  private async snapshots() {
    if (!this.store) return [];
    const all = await this.store.list<Partial<RunSnapshotMeta>>(this.ref);
    return all
      .filter((s) => typeof s.manifest.seq === 'number')
      .map((s) => ({ ref: s.ref, manifest: s.manifest as RunSnapshotMeta }))
      .sort((a, b) => a.manifest.seq - b.manifest.seq);
  }

  /**
   * Replaces this host's folder of the run with the newest snapshot when that is further along: the folder is
   * missing (a retry that landed on another host) or holds only an older state (`localSeq`, e.g. the step count of
   * its newest checkpoint: this host ran an earlier attempt). Returns the snapshot's facts, or undefined when the
   * local folder stays.
   */
  async restore(localSeq?: number): Promise<RunSnapshotMeta | undefined> {
    if (!this.store) return undefined;
    const newest = (await this.snapshots()).at(-1);
    if (!newest) return undefined;
    if (existsSync(this.runDir) && (localSeq ?? -1) >= newest.manifest.seq) return undefined;
    const staging = join(
      dirname(this.runDir),
      `.tmp-restore-${process.pid}-${randomBytes(4).toString('hex')}`,
    );
    try {
      await this.store.get(newest.ref, staging);
      rmSync(join(staging, 'manifest.json'), { force: true });
      rmSync(this.runDir, { recursive: true, force: true });
      renameSync(staging, this.runDir);
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
    this.opts.log?.(
      `restored ${this.ref} from snapshot ${newest.manifest.seq} (uploaded by ${newest.manifest.host})`,
    );
    return newest.manifest;
  }

  /** Removes every snapshot of the run (once its result is published, nothing is left to resume). */
  async discard(): Promise<void> {
    await this.idle();
    for (const s of await this.snapshots()) await this.store?.delete(s.ref);
  }
}

/** Zero-padded so snapshot refs sort by number too. */
function seqName(seq: number): string {
  return `at-${String(seq).padStart(12, '0')}`;
}

/** Hard links (a copy across filesystems) of every file below `from` into `to`, but excluded and temp names. */
function linkTree(from: string, to: string, exclude: ReadonlySet<string>): void {
  mkdirSync(to, { recursive: true });
  for (const rel of listFiles(from)) {
    const parts = rel.split('/');
    // Dot-names are writers' temp files (a checkpoint being written): never part of a consistent state.
    if (exclude.has(parts[0]!) || parts.some((p) => p.startsWith('.'))) continue;
    const dest = join(to, rel);
    mkdirSync(dirname(dest), { recursive: true });
    try {
      linkSync(join(from, rel), dest);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') continue; // replaced between the listing and the link: its successor comes next time
      if (code !== 'EXDEV' && code !== 'EPERM') throw err;
      copyFileSync(join(from, rel), dest);
    }
  }
}
