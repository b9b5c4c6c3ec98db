/** Parsing a stored manifest: whatever the caller put in it, plus a well-formed `outputs` list the store relies on. */
import { StoreIntegrityError } from './errors.js';
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
