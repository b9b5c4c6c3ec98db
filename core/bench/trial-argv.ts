/**
 * How a benchmark trial process is started (by the benchPolicy activity and by bench:bench alike). V8's parallel GC
 * threads make one trial use more than a core of a small machine without making it faster, so trials run
 * with a single-threaded GC: faster alone (bench:bench on 2 cores: 31–33 s serial against 38.9 s before); the
 * two-way fan-out measured 1.66× and 1.87× (1.76× before), within the noise of a shared 2-core machine.
 */
import { fileURLToPath } from 'node:url';
import type { TrialProcessArgs } from './trial-process.js';

const TRIAL_PROCESS = fileURLToPath(new URL('./trial-process.ts', import.meta.url));

/** argv for `process.execPath` that runs one trial with `args`. */
export function trialProcessArgv(args: TrialProcessArgs): string[] {
  return ['--single-threaded-gc', '--import', 'tsx', TRIAL_PROCESS, JSON.stringify(args)];
}
