/**
 * Content-addressed stage cache: `new StageCache({ root: 'artifacts', migflowVersion })`, then
 * `cache.run({ stage, codeVersion, inputs, inputFiles }, async (outDir) => summary)` returns the published entry
 * (hit or freshly built), published to the local folder or, given `store`, to a shared S3 store that every host's
 * lookups consult. `entries()` and `collect()` back `migflow cache ls|gc` on both.
 */
export { canonicalJson } from './canonical-json.js';
export { dirSize, hashFile, listFiles, sha256Hex } from './hash.js';
export { entryOfPath, localPath, shareFile } from './host-paths.js';
export { RunMirror, type RunMirrorOptions, type RunSnapshotMeta } from './run-mirror.js';
export type { CachedStage, StageContext } from './stage.js';
export {
  type CacheResult,
  type FileRecord,
  type ListedEntry,
  MANIFEST_FILE,
  resolveFrom,
  StageCache,
  type StageManifest,
  type StageRequest,
  WORK_DIR,
} from './stage-cache.js';
