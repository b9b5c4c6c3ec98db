/** Small helpers every module may use: atomic file writes, a free local port, an abortable wait. */
export { writeFileAtomic } from './atomic-write.js';
export { freePort } from './free-port.js';
export { sleep } from './sleep.js';
