/**
 * The stage cache a worker or command uses, from its environment (core/store/open-store.ts lists the variables):
 * the local folder by default (MIGFLOW_ARTIFACTS or <project>/artifacts), or an S3 store named by MIGFLOW_STORE,
 * with MIGFLOW_ARTIFACTS as this host's scratch space (training run folders, build folders, the working config).
 * Not in core/cache: the stages' child processes import core/cache's helpers, and their bundles (whose digest keys
 * the cache) should not take in the store's code.
 */
import { StageCache } from '../core/cache/index.js';
import { artifactsDir, MIGFLOW_VERSION } from '../core/paths.js';
import { openStore, storeSpecFromEnv } from '../core/store/index.js';

export function stageCacheFromEnv(env: NodeJS.ProcessEnv = process.env): StageCache {
  const spec = storeSpecFromEnv(env);
  return new StageCache({
    root: spec.kind === 'local' ? spec.root : artifactsDir(env),
    migflowVersion: MIGFLOW_VERSION,
    store: openStore(spec),
  });
}
