/** Entry refs and file paths inside entries: slash-separated, relative, no `.`/`..` segments (they name S3 keys too). */
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { StoreUsageError } from './errors.js';

export const MANIFEST_FILE = 'manifest.json';
/** Folders being published or deleted (never entries); the stage cache's build dirs use the same prefix. */
export const STAGING_PREFIX = '.tmp-';

const REF_SEGMENT = /^[A-Za-z0-9_.=-]+$/;

/** Checks an entry ref such as `train/3f9c…`; returns it unchanged. */
export function checkRef(ref: string): string {
  const segments = ref.split('/');
  for (const s of segments) {
    if (!REF_SEGMENT.test(s) || s === '.' || s === '..' || s.startsWith(STAGING_PREFIX)) {
      throw new StoreUsageError(
        `store ref ${JSON.stringify(ref)}`,
        `segment ${JSON.stringify(s)} is not a plain name`,
        'use slash-separated names of letters, digits and . _ = - (no empty, "." or ".." segments, none starting with .tmp-, no leading slash)',
      );
    }
  }
  return ref;
}

/** Checks a prefix for `list`: empty (everything), or a ref-like path with an optional trailing slash. */
export function checkPrefix(prefix: string): string {
  const trimmed = prefix.replace(/\/+$/, '');
  if (trimmed) checkRef(trimmed);
  return trimmed;
}

/** Checks a file path inside an entry (as written by a stage); `manifest.json` at the top is the store's own. */
export function checkFilePath(ref: string, path: string): string {
  const bad =
    path === '' ||
    path.startsWith('/') ||
    path.includes('\\') ||
    path.includes('\0') ||
    path.split('/').some((s) => s === '' || s === '.' || s === '..');
  if (bad) {
    throw new StoreUsageError(
      `store entry ${ref}: file ${JSON.stringify(path)}`,
      'is not a relative path inside the entry',
      'write outputs as plain relative paths below the output directory',
    );
  }
  if (path === MANIFEST_FILE) {
    throw new StoreUsageError(
      `store entry ${ref}: file ${path}`,
      'is reserved for the manifest the store writes',
      'name the output file differently',
    );
  }
  return path;
}

/** A staging folder beside `dir` (same filesystem, so it can be renamed into place), named so no reader sees it. */
export function stagingBeside(dir: string, tag: string): string {
  return join(
    dirname(dir),
    `${STAGING_PREFIX}${basename(dir)}-${tag}-${process.pid}-${randomBytes(4).toString('hex')}`,
  );
}
