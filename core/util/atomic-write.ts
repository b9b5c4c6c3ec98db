/**
 * Atomic file publication: write beside the target, loop until every byte is written, fsync the file, rename it
 * over the target, fsync the folder; readers never see half a file and a crash leaves the old or the new one.
 * Folders are published the same way (`publishDirAtomic`). Disk-full, quota, permission and read-only faults
 * become one OutputWriteError naming the path and the fix, and the temporary file or folder is removed.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { OutputWriteError } from '../errors.js';

/** What to tell the user for each errno a write can end with; undefined: not the machine's fault (a bug). */
const WRITE_FAULTS: Readonly<Record<string, { problem: string; fix: string }>> = {
  ENOSPC: {
    problem: 'no space left on the device',
    fix: 'free disk space (e.g. `npx migflow cache gc`) or write elsewhere',
  },
  EDQUOT: { problem: 'disk quota exceeded', fix: 'free space within your quota or write elsewhere' },
  EROFS: { problem: 'the filesystem is read-only', fix: 'write to a writable location' },
  EACCES: { problem: 'permission denied', fix: 'fix the permissions of the folder or write elsewhere' },
  EPERM: { problem: 'operation not permitted', fix: 'fix the permissions of the folder or write elsewhere' },
  ENOTDIR: {
    problem: 'a parent of this path is a file, not a folder',
    fix: 'remove or rename that file, or write elsewhere',
  },
  EISDIR: {
    problem: 'this path is a folder, not a file',
    fix: 'remove or rename that folder, or write elsewhere',
  },
  EEXIST: {
    problem: 'a file is in the way of a folder',
    fix: 'remove or rename that file, or write elsewhere',
  },
  EIO: { problem: 'input/output error', fix: 'check the disk (dmesg) and write elsewhere' },
  EMFILE: { problem: 'too many open files', fix: 'raise the open-file limit (ulimit -n)' },
};

/** `err` as an OutputWriteError about `path` when it is a machine fault; otherwise `err` unchanged. */
export function asWriteError(err: unknown, path: string): unknown {
  if (err instanceof OutputWriteError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const fault = code ? WRITE_FAULTS[code] : undefined;
  if (!code || !fault) return err;
  return new OutputWriteError(path, code, fault.problem, fault.fix, { cause: err });
}

/** Writes all of `bytes` to `fd`: writeSync may write fewer bytes than asked, so loop on its count. */
export function writeAllSync(fd: number, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.byteLength) {
    const n = writeSync(fd, bytes, off, bytes.byteLength - off);
    // A zero-byte write of a non-empty buffer would loop forever; the kernel reports a fault as an errno instead.
    if (n <= 0) throw Object.assign(new Error(`write returned ${n}`), { code: 'EIO' });
    off += n;
  }
}

/** Creates (truncates) `file`, writes all of `data`, fsyncs it. No rename: for files inside a private temp folder. */
export function writeFileSynced(file: string, data: string | Uint8Array): void {
  const fd = openSync(file, 'w');
  try {
    writeAllSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** fsyncs a folder so a rename inside it survives a power cut; filesystems that cannot (EINVAL) are skipped. */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EBADF') throw err;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

const tmpSibling = (target: string, suffix: string) =>
  join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.${suffix}`);

/** Publishes `data` as `file` whole, or throws (OutputWriteError for machine faults) leaving `file` as it was. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const dir = dirname(file);
  let tmp: string | undefined;
  try {
    mkdirSync(dir, { recursive: true });
    tmp = tmpSibling(file, 'tmp');
    writeFileSynced(tmp, data);
    renameSync(tmp, file);
    tmp = undefined;
    fsyncDir(dir);
  } catch (err) {
    if (tmp) rmSync(tmp, { force: true });
    throw asWriteError(err, file);
  }
}

/** fsyncs every file under `dir` (written by code that did not), then `dir` itself and its sub-folders. */
export function fsyncTree(dir: string): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) fsyncTree(p);
    else if (e.isFile()) {
      const fd = openSync(p, 'r');
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
  }
  fsyncDir(dir);
}

/**
 * Builds a folder beside `target` with `build(tmpDir)` and publishes it whole as `target`, replacing an existing
 * one: a kill at any instant leaves the old folder or the new one, never a mix (at worst a hidden `.…tmp`/`.…old`
 * sibling, which the next publication of the same target removes).
 */
export async function publishDirAtomic<T>(
  target: string,
  build: (tmpDir: string) => Promise<T> | T,
): Promise<T> {
  const tmp = beginPublication(target);
  return completePublication(tmp, target, await abandonOnFailure(tmp, target, () => build(tmp)));
}

/** The synchronous form of publishDirAtomic, for writers that are synchronous throughout (checkpoints). */
export function publishDirAtomicSync<T>(target: string, build: (tmpDir: string) => T): T {
  const tmp = beginPublication(target);
  return completePublication(
    tmp,
    target,
    abandonOnFailure(tmp, target, () => build(tmp)),
  );
}

/** A fresh staging folder beside `target` (the leftovers of earlier publications removed first). */
function beginPublication(target: string): string {
  let tmp: string | undefined;
  try {
    mkdirSync(dirname(target), { recursive: true });
    removeStaleSiblings(target);
    tmp = tmpSibling(target, 'tmp');
    mkdirSync(tmp);
    return tmp;
  } catch (err) {
    throw abandonPublication(tmp, target, err);
  }
}

/** `build`'s result (or promise of it); a throw or a rejection removes the staging folder first. */
function abandonOnFailure<R>(tmp: string, target: string, build: () => R): R {
  let result: R;
  try {
    result = build();
  } catch (err) {
    throw abandonPublication(tmp, target, err);
  }
  if (!(result instanceof Promise)) return result;
  return result.catch((err: unknown) => {
    throw abandonPublication(tmp, target, err);
  }) as R;
}

/** Makes the built folder durable and swaps it in as `target`; passes `result` through. */
function completePublication<T>(tmp: string, target: string, result: T): T {
  try {
    fsyncTree(tmp);
    swapInto(tmp, target);
    return result;
  } catch (err) {
    throw abandonPublication(tmp, target, err);
  }
}

/** Removes the staging folder (if any) and says what failed, naming `target`. */
function abandonPublication(tmp: string | undefined, target: string, err: unknown): unknown {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  return asWriteError(err, target);
}

/** A folder cannot be renamed over a non-empty one: move the old one aside, rename, then drop the old one. */
function swapInto(tmp: string, target: string): void {
  let old: string | undefined;
  if (existsSync(target)) {
    old = `${tmp}.old`;
    renameSync(target, old);
  }
  renameSync(tmp, target);
  fsyncDir(dirname(target));
  if (old) rmSync(old, { recursive: true, force: true });
}

/** Leftovers of a publication of `target` that was killed (`.<name>.<pid>.<hex>.tmp[.old]`) whose pid is gone. */
function removeStaleSiblings(target: string): void {
  const prefix = `.${basename(target)}.`;
  for (const name of readdirSync(dirname(target))) {
    if (!name.startsWith(prefix) || !/\.\d+\.[0-9a-f]{8}\.tmp(\.old)?$/.test(name)) continue;
    const pid = Number(name.slice(prefix.length).split('.')[0]);
    if (pid !== process.pid && pidAlive(pid)) continue;
    const stale = join(dirname(target), name);
    // Killed between moving the old folder aside and renaming the new one in: put the old one back.
    if (name.endsWith('.old') && !existsSync(target)) renameSync(stale, target);
    else rmSync(stale, { recursive: true, force: true });
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
