/** Where migflow's own files are: the project root (beside package.json), artifacts/, configs/, and its version. */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** $MIGFLOW_ARTIFACTS or <project>/artifacts. */
export function artifactsDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.MIGFLOW_ARTIFACTS ? resolve(env.MIGFLOW_ARTIFACTS) : join(PROJECT_ROOT, 'artifacts');
}

export const MIGFLOW_VERSION: string = (
  JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }
).version;
