/** Parsing a stored manifest: whatever the caller put in it, plus a well-formed `outputs` list the store relies on. */
import { StoreIntegrityError, StoreUsageError } from './errors.js';
import { checkFilePath } from './refs.js';
import type { EntryManifest, StoredFile } from './types.js';

function isStoredFile(v: unknown): v is StoredFile {
  if (v === null || typeof v !== 'object') return false;
  const f = v as Record<string, unknown>;
  return (
    typeof f.path === 'string' &&
    typeof f.sha256 === 'string' &&
    /^[0-9a-f]{64}$/.test(f.sha256) &&
    typeof f.bytes === 'number' &&
    Number.isInteger(f.bytes) &&
    f.bytes >= 0
  );
}

export function parseManifest<M extends object>(
  text: string,
  where: { location: string; ref: string },
): EntryManifest<M> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new StoreIntegrityError(
      where.location,
      where.ref,
      'manifest.json',
      `is not valid JSON (${(err as Error).message})`,
    );
  }
  const outputs = (value as { outputs?: unknown } | null)?.outputs;
  if (!Array.isArray(outputs) || !outputs.every(isStoredFile)) {
    throw new StoreIntegrityError(
      where.location,
      where.ref,
      'manifest.json',
      'has no well-formed "outputs" list of {path, sha256, bytes}',
    );
  }
  return value as EntryManifest<M>;
}

export function serializeManifest(manifest: object): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** The manifest's record of `path`, or undefined. */
export function outputOf(manifest: EntryManifest<object>, path: string): StoredFile | undefined {
  return manifest.outputs.find((o) => o.path === path);
}

/** True when two manifests list the same files with the same content. */
export function sameOutputs(a: EntryManifest<object>, b: EntryManifest<object>): boolean {
  if (a.outputs.length !== b.outputs.length) return false;
  return a.outputs.every((o, i) => {
    const p = b.outputs[i];
    return p !== undefined && o.path === p.path && o.sha256 === p.sha256 && o.bytes === p.bytes;
  });
}

/** The manifest of an entry that must exist (what `lookup` found), else the error both backends give. */
export function requireManifest<M extends object>(
  manifest: EntryManifest<M> | undefined,
  where: { location: string; ref: string },
): EntryManifest<M> {
  if (!manifest) {
    throw new StoreUsageError(
      `store entry ${where.ref} in ${where.location}`,
      'does not exist',
      'list the entries with `migflow cache ls`, or run the stage that publishes it',
    );
  }
  return manifest;
}

/** The manifest's record of one file a reader asked for, checked against the hash the reader expects. */
export function fileRecord(
  manifest: EntryManifest<object>,
  where: { location: string; ref: string },
  path: string,
  expectSha256?: string,
): StoredFile {
  const { location, ref } = where;
  checkFilePath(ref, path);
  const rec = outputOf(manifest, path);
  if (!rec) {
    throw new StoreUsageError(
      `store entry ${ref} in ${location}`,
      `has no file ${path}`,
      `use one of its files: ${manifest.outputs.map((o) => o.path).join(', ') || '(none)'}`,
    );
  }
  if (expectSha256 !== undefined && expectSha256 !== rec.sha256) {
    throw new StoreIntegrityError(
      location,
      ref,
      path,
      `the manifest lists sha256 ${rec.sha256} but ${expectSha256} was expected (the entry was replaced since)`,
    );
  }
  return rec;
}
