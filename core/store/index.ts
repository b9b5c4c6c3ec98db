/**
 * The artifact store: where stage outputs are published and read back, by ref and content hash.
 *
 *   const store = storeFromEnv();                       // local folder by default; s3://… with MIGFLOW_STORE
 *   await store.put('train/3f9c…', outDir, { stage: 'train', … });   // files first, manifest last
 *   const { dir } = await store.fetch('train/3f9c…');  // a verified local copy, wherever this worker runs
 *
 * Two backends with one contract (test/unit/store): the local folder (today's artifacts/ layout) and an
 * S3-compatible object store (content-addressed blobs + manifests). Never imports Temporal.
 */
export { StoreIntegrityError, StoreUsageError } from './errors.js';
export { LocalFolderStore } from './local-store.js';
export { openStore, type StoreSpec, storeFromEnv, storeSpecFromEnv } from './open-store.js';
export { MANIFEST_FILE } from './refs.js';
export { S3Store, type S3StoreOptions } from './s3-store.js';
export type * from './types.js';
