/** Small helpers every module may use: atomic file writes and a free local port. */
export { writeFileAtomic } from './atomic-write.js';
export { freePort } from './free-port.js';
