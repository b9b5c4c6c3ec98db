/**
 * The workflow bundle, built once per content: webpack-bundling workflows/ costs seconds on every worker start, which
 * dominated a cached re-run of the main job. The bundle is keyed by the SDK version, the lockfile (for the npm code
 * in it) and the content of every project file the bundle is made of, as esbuild's resolver finds them (about 50 ms:
 * side-effect and re-exported imports count, code-free type imports do not), and kept under
 * artifacts/.cache/workflow-bundles/. Any edit to a workflow or a file it imports gives a new key.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { build } from 'esbuild';
import { artifactsDir, PROJECT_ROOT } from '../core/paths.js';
import { writeFileAtomic } from '../core/util/index.js';

/** Every project file the bundle is made of: the entry and whatever it reaches through relative imports. */
export async function workflowSources(entry: string): Promise<string[]> {
  const result = await build({
    entryPoints: [resolve(entry)],
    absWorkingDir: PROJECT_ROOT,
    bundle: true,
    write: false,
    metafile: true,
    // npm code is pinned by the lockfile; only project files are read.
    packages: 'external',
    platform: 'neutral',
    format: 'esm',
    logLevel: 'silent',
  });
  return Object.keys(result.metafile.inputs)
    .map((f) => resolve(PROJECT_ROOT, f))
    .sort();
}

export async function workflowBundleKey(entry: string): Promise<string> {
  const require = createRequire(import.meta.url);
  const sdk = (require('@temporalio/workflow/package.json') as { version: string }).version;
  const hash = createHash('sha256').update(`@temporalio/workflow@${sdk}\n`);
  // Third-party code in the bundle (zod, the SDK) is pinned by the lockfile.
  const lock = join(PROJECT_ROOT, 'package-lock.json');
  if (existsSync(lock)) hash.update(readFileSync(lock));
  for (const file of await workflowSources(entry)) {
    hash
      .update(`${relative(PROJECT_ROOT, file)}\n`)
      .update(readFileSync(file))
      .update('\n');
  }
  return hash.digest('hex').slice(0, 32);
}

/** The bundle's code for `Worker.create({ workflowBundle: { code } })`, from the cache or freshly built. */
export async function cachedWorkflowBundle(entry: string): Promise<{ code: string; cached: boolean }> {
  const file = join(artifactsDir(), '.cache', 'workflow-bundles', `${await workflowBundleKey(entry)}.js`);
  if (existsSync(file)) return { code: readFileSync(file, 'utf8'), cached: true };
  const { code } = await bundleWorkflowCode({ workflowsPath: entry, logger: undefined });
  writeFileAtomic(file, code);
  return { code, cached: false };
}
