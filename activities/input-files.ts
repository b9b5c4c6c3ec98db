/**
 * Input files named in a workflow input are checked before any work: a missing or unreadable one fails the
 * activity at once with a non-retryable ConfigError naming `<activity> input`, the field and the path (a raw
 * ENOENT would be retried, and would name neither).
 */
import { accessSync, constants, statSync } from 'node:fs';
import { ConfigError } from '../core/errors.js';

/** `files`: input field (dotted, as the user wrote it) → resolved path; undefined entries are skipped. */
export function requireInputFiles(what: string, files: Readonly<Record<string, string | undefined>>): void {
  for (const [field, path] of Object.entries(files)) {
    if (path === undefined) continue;
    let problem: string | undefined;
    try {
      accessSync(path, constants.R_OK);
      if (statSync(path).isDirectory() && !field.endsWith('checkpoint')) problem = 'is a folder, not a file';
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      problem = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(err)})`;
    }
    if (problem) {
      throw new ConfigError(
        `${what} input`,
        field,
        `${path} ${problem}`,
        `correct ${field} (relative paths are resolved against the project root)`,
      );
    }
  }
}
