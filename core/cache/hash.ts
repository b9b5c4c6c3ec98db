/** Content hashes of files and directory trees (sha256, hex). */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export { hashFile, sha256Hex } from '../util/index.js';

/** Every regular file below `dir`, as paths relative to it, sorted (stable manifests). */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) out.push(relative(dir, full));
    }
  };
  walk(dir);
  return out.sort();
}

export function dirSize(dir: string): number {
  return listFiles(dir).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
}
