/** Small helpers every module may use: atomic file writes, a free local port, an abortable wait, a
 * file's lines streamed. */
export { writeFileAtomic } from './atomic-write.js';
export { freePort } from './free-port.js';
export { sleep } from './sleep.js';
export { nonBlankLines } from './text-lines.js';
