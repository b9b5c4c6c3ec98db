/**
 * The parent's side of the protocol (its options are named as a stage's context is, so a stage passes it on): runs a child entry (its content-keyed bundle under plain node, see
 * bundled-entry.ts) with `args`, relays its progress and log lines, calls a heartbeat hook while it works, stops it
 * when `signal` aborts, and resolves with its result or rejects with its error rebuilt as a typed core error.
 *
 *   const summary = await runChild<TrainArgs, TrainingProgress, TrainResult>(TRAIN_CHILD, args, {
 *     signal, progress: (p) => show(p), heartbeat: () => ctx.heartbeat(latest), env: { CUDA_VISIBLE_DEVICES: '1' },
 *   });
 *
 * Stopping: `signal` sends SIGTERM (a graceful child stops at a safe point and reports what it saved through
 * `onCancelled`), then SIGKILL after `stopGraceMs`; the promise then rejects with the signal's reason.
 */
import { execa } from 'execa';
import { bundledEntryArgv } from './bundled-entry.js';
import { type ChildMessage, ChildProcessError, type WireError } from './protocol.js';

export interface RunChildOptions<P> {
  readonly signal?: AbortSignal;
  readonly progress?: (progress: P) => void;
  readonly log?: (line: string) => void;
  /** Called every `heartbeatEveryMs` while the child runs, whatever it reports (keeps a Temporal activity alive). */
  readonly heartbeat?: () => void;
  readonly heartbeatEveryMs?: number;
  /** A cancelled child's `details` (what it saved before stopping), before the promise rejects. */
  readonly onCancelled?: (details: unknown) => void;
  /** CPU seconds the child used, when it finished with a result. */
  readonly onCpu?: (cpuS: number) => void;
  /** Added to this process's environment (e.g. CUDA_VISIBLE_DEVICES of a GPU worker). */
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  readonly nodeFlags?: readonly string[];
  /** A command the child runs under, e.g. `['taskset', '--cpu-list', '1']` (benchmarks pin children to cores). */
  readonly launcher?: readonly string[];
  /** After SIGTERM, how long the child may take to stop before SIGKILL. Default 5 s. */
  readonly stopGraceMs?: number;
  /** Names the child in errors ("training process exited 1 without a result"). */
  readonly what?: string;
}

export async function runChild<A, P, R>(entry: string, args: A, o: RunChildOptions<P> = {}): Promise<R> {
  const argv = await bundledEntryArgv(entry, [JSON.stringify(args)], o.nodeFlags ?? []);
  let result: { value: R } | undefined;
  let failure: WireError | undefined;
  let cancelled: { details: unknown } | undefined;
  let stderrTail = '';
  const beat = o.heartbeat ? setInterval(o.heartbeat, o.heartbeatEveryMs ?? 2_000) : undefined;
  try {
    const [file, ...rest] = [...(o.launcher ?? []), process.execPath, ...argv];
    const child = execa(file!, rest, {
      ...(o.cwd ? { cwd: o.cwd } : {}),
      env: { ...process.env, ...(o.env ?? {}) },
      ipc: true,
      stdin: 'ignore',
      stdout: 'ignore',
      buffer: false,
      reject: false,
      // execa's exit-time cleanup re-raises SIGTERM once Temporal's own shutdown handler is done, killing the worker
      // before its graceful shutdown can stop the child cleanly. Children stop by themselves when their parent is
      // gone (child-main.ts), so the cleanup is not needed.
      cleanup: false,
      ...(o.signal ? { cancelSignal: o.signal } : {}),
      killSignal: 'SIGTERM',
      forceKillAfterDelay: o.stopGraceMs ?? 5_000,
    });
    child.stderr?.on('data', (c: Buffer) => {
      stderrTail = (stderrTail + c.toString()).slice(-4000);
    });
    child.on('message', (m: ChildMessage<P, R>) => {
      switch (m.type) {
        case 'progress':
          o.progress?.(m.progress);
          break;
        case 'log':
          o.log?.(m.line);
          break;
        case 'result':
          result = { value: m.result };
          o.onCpu?.(m.cpuS);
          break;
        case 'cancelled':
          cancelled = { details: m.details };
          break;
        case 'error':
          failure = m.error;
          break;
      }
    });
    const exit = await child;
    if (o.signal?.aborted) {
      o.onCancelled?.(cancelled?.details);
      throw o.signal.reason;
    }
    if (failure) throw new ChildProcessError(failure);
    if (!result) {
      throw new Error(
        `${o.what ?? 'child'} process exited ${exit.exitCode ?? exit.signal} without a result: ${stderrTail.slice(-2000)}`,
      );
    }
    return result.value;
  } finally {
    if (beat) clearInterval(beat);
  }
}
