/**
 * Content-addressed stage cache: `new StageCache({ root: 'artifacts', migflowVersion })`, then
 * `cache.run({ stage, codeVersion, inputs, inputFiles }, async (outDir) => summary)` returns the published entry
 * (hit or freshly built). `list()` and `gc()` back `migflow cache ls|gc`.
 */
export { canonicalJson } from './canonical-json.js';
export { dirSize, hashFile, listFiles, sha256Hex } from './hash.js';
export type { CachedStage, StageContext } from './stage.js';
export {
  type CacheResult,
  type FileRecord,
  MANIFEST_FILE,
  resolveFrom,
  StageCache,
  type StageManifest,
  type StageRequest,
  WORK_DIR,
} from './stage-cache.js';
