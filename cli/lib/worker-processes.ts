/**
 * Starts workers as child processes (the main job and the crash drills need them killable as whole processes).
 * A worker is ready once it prints its "queue … on …" banner, which it does after bundling and connecting.
 */
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { PROJECT_ROOT } from '../../core/paths.js';

/** The line a worker prints once it has bundled and connected (`… queue <name> … on <address>`). */
export const WORKER_READY_BANNER = / queue \S+.* on /;

export type WorkerProcess = ResultPromise<{ buffer: false; reject: false; env: Record<string, string> }>;

export interface StartedWorker {
  proc: WorkerProcess;
  label: string;
  stop: () => Promise<void>;
  /**
   * SIGKILL, resolved once the process has exited. It waits for the exit itself, not for the end of its output:
   * a grandchild that inherited the worker's stderr (esbuild's service does) may hold the pipe open a while longer.
   */
  kill: () => Promise<void>;
}

export async function startWorkerProcess(
  script: 'main-worker' | 'gpu-worker',
  args: string[],
  env: Record<string, string>,
  opts: { timeoutMs?: number; onLine?: (line: string) => void } = {},
): Promise<StartedWorker> {
  const proc = execa(
    process.execPath,
    ['--import', 'tsx', join(PROJECT_ROOT, 'workers', `${script}.ts`), ...args],
    {
      cwd: PROJECT_ROOT,
      env,
      buffer: false,
      reject: false,
      stdin: 'ignore',
    },
  ) as WorkerProcess;
  const label = `${script}${args.length ? ` ${args.join(' ')}` : ''}`;
  let tail = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new Error(`${label} did not become ready within ${(opts.timeoutMs ?? 120_000) / 1000}s:\n${tail}`),
        ),
      opts.timeoutMs ?? 120_000,
    );
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      tail = (tail + text).slice(-4000);
      for (const line of text.split('\n')) if (line.trim()) opts.onLine?.(line);
      if (WORKER_READY_BANNER.test(text)) {
        clearTimeout(timer);
        resolve();
      }
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', (c: Buffer) => {
      tail = (tail + c.toString()).slice(-4000);
      for (const line of c.toString().split('\n')) if (line.trim()) opts.onLine?.(line);
    });
    void proc.then((r) => {
      clearTimeout(timer);
      reject(new Error(`${label} exited (code ${r.exitCode ?? r.signal}) before it was ready:\n${tail}`));
    });
  });
  return {
    proc,
    label,
    stop: async () => {
      proc.kill('SIGTERM');
      await proc;
    },
    kill: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.kill('SIGKILL');
      await exited;
    },
  };
}
