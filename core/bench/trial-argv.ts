/**
 * How a benchmark trial process is started (by the benchPolicy activity and by bench:bench alike). V8's parallel GC
 * threads make one trial use more than a core of a small machine without making it faster, so trials run
 * with a single-threaded GC: faster alone and much faster side by side (bench:bench: 32.8 s serial and a 1.87×
 * fan-out on 2 cores in one run, 31.2 s and 1.66× in another, against 38.9 s and 1.76× before).
 */
import { fileURLToPath } from 'node:url';
import type { TrialProcessArgs } from './trial-process.js';

const TRIAL_PROCESS = fileURLToPath(new URL('./trial-process.ts', import.meta.url));

/** argv for `process.execPath` that runs one trial with `args`. */
export function trialProcessArgv(args: TrialProcessArgs): string[] {
  return ['--single-threaded-gc', '--import', 'tsx', TRIAL_PROCESS, JSON.stringify(args)];
}
