/**
 * The child's side of the protocol: `childMain('train-child', handler, options)` at the bottom of an entry module
 * runs `handler(args, { signal, progress, log })` when that module is the process's main module (through tsx or
 * as its bundle), with `args` from argv[2] as JSON, and reports its progress and outcome to the parent.
 *
 * A child never outlives its parent by much. When the parent goes away its IPC channel closes: a `graceful` child
 * (one that can stop at a safe point, e.g. a trainer writing one last checkpoint) is aborted and exits after at
 * most `orphanGraceMs`; any other child exits at once. A CPU-bound child never looks at its channel until its work
 * is done, so a watchdog thread also watches the parent process id and kills the child when it changes.
 */
import { Worker } from 'node:worker_threads';
import { type ChildMessage, toWireError } from './protocol.js';
import { startedAsEntry } from './started-as-entry.js';

export interface ChildContext<P> {
  /** Aborted on SIGTERM (graceful children only) or when the parent is gone. */
  readonly signal: AbortSignal;
  /** Reports progress; throttled to one message per `progressGapMs` unless `urgent` (e.g. a new checkpoint). */
  progress(p: P, urgent?: boolean): void;
  log(line: string): void;
}

export interface ChildOptions {
  /**
   * The handler stops cleanly when its signal aborts (and says what it saved by throwing an error with a
   * `details` field): SIGTERM aborts it instead of killing the process, and an orphan gets `orphanGraceMs` to stop.
   */
  readonly graceful?: boolean;
  /** Longest an orphaned graceful child may take to stop before it is killed. Default 15 s. */
  readonly orphanGraceMs?: number;
  /** Least time between two progress messages that are not urgent. Default 250 ms. */
  readonly progressGapMs?: number;
}

/** Runs `handler` when the current process was started as `entryName`; otherwise does nothing (an import). */
export function childMain<A, P, R>(
  entryName: string,
  handler: (args: A, ctx: ChildContext<P>) => Promise<R>,
  options: ChildOptions = {},
): void {
  if (!startedAsEntry(entryName)) return;
  const args = JSON.parse(process.argv[2] ?? '{}') as A;
  // Exit explicitly: some libraries (tfjs backends) keep handles open after the work is done.
  void runHandler(handler, args, options).then((code) => process.exit(code));
}

function send<P, R>(msg: ChildMessage<P, R>): Promise<void> {
  return new Promise((done) => {
    if (process.send && process.connected) process.send(msg, undefined, {}, () => done());
    else process.stdout.write(`${JSON.stringify(msg)}\n`, () => done());
  });
}

/** The error's `details` (what a graceful child saved before stopping), if it says. */
function detailsOf(err: unknown): unknown {
  return err !== null && typeof err === 'object' && 'details' in err ? err.details : undefined;
}

async function runHandler<A, P, R>(
  handler: (args: A, ctx: ChildContext<P>) => Promise<R>,
  args: A,
  options: ChildOptions,
): Promise<number> {
  const graceful = options.graceful === true;
  const orphanGraceMs = options.orphanGraceMs ?? 15_000;
  const gapMs = options.progressGapMs ?? 250;
  const controller = new AbortController();
  // A Ctrl-C in a worker's terminal reaches the whole process group; the parent decides what it means.
  process.on('SIGINT', () => {});
  if (graceful) process.on('SIGTERM', () => controller.abort(new Error('SIGTERM')));
  watchParent(graceful ? orphanGraceMs : 0);
  let finished = false;
  process.on('disconnect', () => {
    if (finished) return;
    if (!graceful) process.exit(70);
    controller.abort(new Error('the process that started this one is gone'));
    setTimeout(() => process.exit(70), orphanGraceMs).unref();
  });
  let lastSent = 0;
  const ctx: ChildContext<P> = {
    signal: controller.signal,
    progress(progress, urgent = false) {
      const now = Date.now();
      if (!urgent && now - lastSent < gapMs) return;
      lastSent = now;
      void send<P, R>({ type: 'progress', progress });
    },
    log: (line) => void send<P, R>({ type: 'log', line }),
  };
  try {
    const result = await handler(args, ctx);
    finished = true;
    const cpu = process.cpuUsage();
    await send<P, R>({ type: 'result', result, cpuS: (cpu.user + cpu.system) / 1e6 });
    return 0;
  } catch (err) {
    finished = true;
    if (controller.signal.aborted) {
      const details = detailsOf(err);
      await send<P, R>({ type: 'cancelled', ...(details !== undefined ? { details } : {}) });
      return 0;
    }
    await send<P, R>({ type: 'error', error: toWireError(err) });
    return 1;
  }
}

/**
 * A thread that kills this process `graceMs` after its parent is gone (the parent id changes when the process is
 * re-parented). Unlike the IPC channel's `disconnect` event it also fires while the main thread is busy.
 */
function watchParent(graceMs: number): void {
  // The parent's id is read here, at start: the thread may only run once the parent is already gone.
  const watchdog = new Worker(
    `const { workerData } = require('node:worker_threads');
     const check = () => {
       if (process.ppid === workerData.parent) return;
       clearInterval(timer);
       setTimeout(() => process.kill(workerData.pid, 'SIGKILL'), workerData.graceMs);
     };
     const timer = setInterval(check, 500);
     check();`,
    { eval: true, workerData: { pid: process.pid, parent: process.ppid, graceMs } },
  );
  watchdog.unref();
}
