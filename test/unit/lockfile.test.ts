import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../core/paths.js';

describe('package-lock.json', () => {
  it('lists every optional platform build, so `npm ci` accepts it on a fresh machine', () => {
    const lock = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { optionalDependencies?: Record<string, string> }>;
    };
    const missing: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      for (const dep of Object.keys(entry.optionalDependencies ?? {})) {
        const nested = path ? `${path}/node_modules/${dep}` : `node_modules/${dep}`;
        if (
          !lock.packages[nested] &&
          !lock.packages[`node_modules/${dep}`] &&
          /-(darwin|win32|android|linux|freebsd)-/.test(dep)
        ) {
          missing.push(dep);
        }
      }
    }
    // Fix: node scripts/complete-lockfile.mjs
    expect(missing).toEqual([]);
  });
});
