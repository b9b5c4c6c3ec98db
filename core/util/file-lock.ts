/**
 * A lock file that makes one piece of work single-flight across the processes of one host (two GPU workers building
 * the same Docker image): `open(…, 'wx')` creates it atomically with the holder's pid inside; a lock whose pid is
 * gone (a holder killed with -9) is taken over. Waiters poll, and may skip the work when `done()` says another
 * holder finished it.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { sleep } from './sleep.js';

function holderOf(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function alive(holder: string | undefined): boolean {
  const pid = Number(holder?.trim());
  // An empty file is being written right now: treat it as held.
  if (holder === undefined || holder === '') return true;
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Runs `fn` holding `file`; returns its result. Throws after `timeoutMs` of waiting for another holder. */
export async function withFileLock<T>(
  file: string,
  fn: () => Promise<T>,
  o: { timeoutMs?: number; pollMs?: number } = {},
): Promise<T> {
  mkdirSync(dirname(file), { recursive: true });
  const deadline = Date.now() + (o.timeoutMs ?? 10 * 60_000);
  for (;;) {
    let fd: number | undefined;
    try {
      fd = openSync(file, 'wx');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (fd !== undefined) {
      try {
        writeSync(fd, `${process.pid}\n`);
      } finally {
        closeSync(fd);
      }
      try {
        return await fn();
      } finally {
        rmSync(file, { force: true });
      }
    }
    const holder = holderOf(file);
    if (!alive(holder)) {
      // Remove only the dead holder's file: another waiter may have taken over since we read it.
      if (holderOf(file) === holder) rmSync(file, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for the lock ${file} (held by a live process); remove it if that is wrong`,
      );
    }
    await sleep(o.pollMs ?? 200);
  }
}
