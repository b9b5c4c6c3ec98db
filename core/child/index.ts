/**
 * Child processes for a stage's heavy work (a training run, a bench trial, the fits), so the worker that asked for
 * it keeps its event loop free for heartbeats and cancellation. One protocol for all of them:
 *
 *   // the entry module (e.g. core/stages/bench/bench-child.ts)
 *   childMain('bench-child', (args: TrialArgs, { signal, progress, log }) => runTrial(args), { graceful: false });
 *
 *   // the parent (a stage's `run`)
 *   const out = await runChild<TrialArgs, never, TrialOutput>(BENCH_CHILD, args, { signal, heartbeat });
 *
 * The entry runs as a content-keyed esbuild bundle under plain node (no tsx loader per child); its sources' digest
 * (`bundledEntrySourceDigest`) keys the stage cache, so a change to the code a child runs misses the cache. A
 * child's progress, log lines, result, cancellation and typed errors travel as IPC messages; a child dies with its
 * parent.
 */
export {
  bundledEntry,
  bundledEntryArgv,
  bundledEntrySourceDigest,
  pruneSupersededBundles,
  SUPERSEDED_BUNDLE_TTL_MS,
} from './bundled-entry.js';
export { type ChildContext, type ChildOptions, childMain } from './child-main.js';
export { type ChildMessage, ChildProcessError, toWireError, type WireError } from './protocol.js';
export { type RunChildOptions, runChild } from './run-child.js';
export { startedAsEntry } from './started-as-entry.js';
