/**
 * The workflow bundle, built once per content: webpack-bundling workflows/ costs seconds on every worker start, which
 * dominated a cached re-run of the main job. The bundle is keyed by the content of every source file reachable from
 * workflows/index.ts through relative imports (type-only ones included, harmlessly) and the SDK version, and kept
 * under artifacts/.cache/workflow-bundles/ (plus the lockfile, for the npm code in it). Any edit to a workflow or a file it imports gives a new key.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { artifactsDir, PROJECT_ROOT } from '../core/paths.js';
import { writeFileAtomic } from '../core/util/atomic-write.js';

const IMPORT_RE = /(?:import|export)\s[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]/g;

/** Every project file the bundle is made of: the entry and whatever it reaches through relative imports. */
export function workflowSources(entry: string): string[] {
  const seen = new Set<string>();
  const queue = [resolve(entry)];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(IMPORT_RE)) {
      const target = resolve(dirname(file), m[1]!.replace(/\.js$/, '.ts'));
      if (existsSync(target)) queue.push(target);
    }
  }
  return [...seen].sort();
}

export function workflowBundleKey(entry: string): string {
  const require = createRequire(import.meta.url);
  const sdk = (require('@temporalio/workflow/package.json') as { version: string }).version;
  const hash = createHash('sha256').update(`@temporalio/workflow@${sdk}\n`);
  // Third-party code in the bundle (zod, the SDK) is pinned by the lockfile.
  const lock = join(PROJECT_ROOT, 'package-lock.json');
  if (existsSync(lock)) hash.update(readFileSync(lock));
  for (const file of workflowSources(entry)) {
    hash
      .update(`${relative(PROJECT_ROOT, file)}\n`)
      .update(readFileSync(file))
      .update('\n');
  }
  return hash.digest('hex').slice(0, 32);
}

/** The bundle's code for `Worker.create({ workflowBundle: { code } })`, from the cache or freshly built. */
export async function cachedWorkflowBundle(entry: string): Promise<{ code: string; cached: boolean }> {
  const file = join(artifactsDir(), '.cache', 'workflow-bundles', `${workflowBundleKey(entry)}.js`);
  if (existsSync(file)) return { code: readFileSync(file, 'utf8'), cached: true };
  const { code } = await bundleWorkflowCode({ workflowsPath: entry, logger: undefined });
  writeFileAtomic(file, code);
  return { code, cached: false };
}
