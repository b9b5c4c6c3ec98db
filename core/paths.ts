/** Where migflow's own files are: the project root (beside package.json), artifacts/, configs/, and its version. */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** $MIGFLOW_ARTIFACTS or <project>/artifacts. */
export function artifactsDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.MIGFLOW_ARTIFACTS ? resolve(env.MIGFLOW_ARTIFACTS) : join(PROJECT_ROOT, 'artifacts');
}

/** migflow's cache outside the project: ~/.cache/migflow (or $MIGFLOW_CACHE_DIR, or $XDG_CACHE_HOME/migflow). */
export function migflowCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MIGFLOW_CACHE_DIR) return env.MIGFLOW_CACHE_DIR;
  const base = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'migflow');
}

export const MIGFLOW_VERSION: string = (
  JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }
).version;
