/** File helpers of the store: hashing, listing, and writing a stream so a file appears whole and verified or not at all. */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { StoredFile } from './types.js';

export async function hashFile(file: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

/** Every regular file below `dir` as sorted relative paths with slashes (stable manifests). */
export async function listFilesAsync(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) out.push(relative(dir, full).split('\\').join('/'));
    }
  };
  await walk(dir);
  return out.sort();
}

export function tempSibling(path: string, tag = 'tmp'): string {
  return join(dirname(path), `.${basename(path)}.${tag}-${process.pid}-${randomBytes(4).toString('hex')}`);
}

export class HashMismatch {
  constructor(
    readonly expected: { sha256: string; bytes: number },
    readonly actual: { sha256: string; bytes: number },
  ) {}
  describe(): string {
    return (
      `content does not match the manifest (expected sha256 ${this.expected.sha256}, ${this.expected.bytes} bytes; ` +
      `read sha256 ${this.actual.sha256}, ${this.actual.bytes} bytes)`
    );
  }
}

/**
 * Streams what `open()` returns into `dest` through a temp file beside it, hashing on the way. When `expect` is given and the
 * bytes differ, the temp file is removed and a HashMismatch is returned instead of a record; `dest` is untouched.
 */
export async function writeVerified(
  open: () => Readable,
  dest: string,
  expect?: StoredFile,
): Promise<{ sha256: string; bytes: number } | HashMismatch> {
  await mkdir(dirname(dest), { recursive: true });
  const tmp = tempSibling(dest);
  const hash = createHash('sha256');
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  try {
    // Opened only now: a file stream that fails to open must have pipeline's handlers attached already.
    await pipeline(open(), tap, createWriteStream(tmp));
    await fsyncFile(tmp);
    const actual = { sha256: hash.digest('hex'), bytes };
    if (expect && (expect.sha256 !== actual.sha256 || expect.bytes !== actual.bytes)) {
      await rm(tmp, { force: true });
      return new HashMismatch(expect, actual);
    }
    await rename(tmp, dest);
    return actual;
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Flushes a written file to disk before it is renamed into place (a crash then leaves old or new, never a hole). */
export async function fsyncFile(file: string): Promise<void> {
  const fh = await open(file, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
