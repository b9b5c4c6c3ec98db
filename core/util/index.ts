/** Small helpers every module may use: atomic file writes, content hashes, a free local port, an abortable wait,
 * a file's lines streamed. */
export {
  asWriteError,
  fsyncDir,
  fsyncTree,
  publishDirAtomic,
  publishDirAtomicSync,
  writeAllSync,
  writeFileAtomic,
  writeFileSynced,
} from './atomic-write.js';
export { withFileLock } from './file-lock.js';
export { freePort } from './free-port.js';
export { hashFile, sha256Hex } from './hash.js';
export { sleep } from './sleep.js';
export { nonBlankLines } from './text-lines.js';
