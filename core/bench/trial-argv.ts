/**
 * How a benchmark trial process is started (by the benchPolicy activity and by bench:bench alike): the bundled
 * trial module under plain node (core/util/bundled-entry.ts), with a single-threaded V8 GC. Parallel GC threads
 * and tsx's loader thread make one trial use more than a core without making it faster, which on a small machine
 * is time taken from the trial beside it.
 */
import { fileURLToPath } from 'node:url';
import { bundledEntryArgv, bundledEntrySourceDigest } from '../util/bundled-entry.js';
import type { TrialProcessArgs } from './trial-process.js';

const TRIAL_PROCESS = fileURLToPath(new URL('./trial-process.ts', import.meta.url));

/** argv for `process.execPath` that runs one trial with `args`. */
export async function trialProcessArgv(args: TrialProcessArgs): Promise<string[]> {
  return bundledEntryArgv(TRIAL_PROCESS, [JSON.stringify(args)], ['--single-threaded-gc']);
}

/** Digest of the trial's code (simulator, policies, metrics): part of the bench stage's cache key. */
export function trialCodeDigest(): Promise<string> {
  return bundledEntrySourceDigest(TRIAL_PROCESS);
}
