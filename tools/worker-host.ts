/**
 * The migflow workers of one pretend host (the multi-host drill, bench:store's pipeline rounds). Each worker starts
 * in a process group of its own, so the host can be signalled whole — its workers and every child they started —
 * and its CPU time read from /proc. `wrap` runs the worker under a launcher (e.g. `nsenter --net=… unshare -m …`)
 * that ends by exec'ing the worker argv appended to it.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../core/paths.js';

export interface WorkerHost {
  name: string;
  env: Record<string, string>;
  /** Process group ids of the workers started on this host. */
  groups: number[];
}

export type WorkerScript = 'main-worker' | 'gpu-worker';

/** Starts a worker on `host`; resolves once it prints its queue banner (`… queue <name> … on <address>`). */
export async function startHostWorker(
  host: WorkerHost,
  script: WorkerScript,
  args: string[],
  opts: { wrap?: string[]; readyTimeoutMs?: number; logFile?: string } = {},
): Promise<number> {
  const worker = [
    process.execPath,
    '--import',
    'tsx',
    join(PROJECT_ROOT, 'workers', `${script}.ts`),
    ...args,
  ];
  const [command, ...argv] = [...(opts.wrap ?? []), ...worker];
  const child = spawn(command!, argv, {
    cwd: PROJECT_ROOT,
    env: host.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  host.groups.push(child.pid!);
  const readyMs = opts.readyTimeoutMs ?? 180_000;
  let tail = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${host.name} ${script}: not ready in ${readyMs / 1000} s\n${tail}`)),
      readyMs,
    );
    child.stdout!.on('data', (c: Buffer) => {
      tail = (tail + c.toString()).slice(-4000);
      if (/ queue \S+.* on /.test(c.toString())) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr!.on('data', (c: Buffer) => {
      tail = (tail + c.toString()).slice(-4000);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${host.name} ${script} exited (${code ?? signal}) before it was ready\n${tail}`));
    });
  });
  // Keep draining its output so it never blocks on a full pipe (into `logFile` when given).
  if (opts.logFile) {
    const log = createWriteStream(opts.logFile, { flags: 'a' });
    log.write(tail);
    child.stdout!.pipe(log, { end: false });
    child.stderr!.pipe(log, { end: false });
  }
  child.stdout!.resume();
  child.stderr!.resume();
  return child.pid!;
}

/** Signals every process of a host (its process groups: workers and the children they started). */
export function signalHost(host: WorkerHost, signal: NodeJS.Signals): void {
  for (const pgid of host.groups) {
    try {
      process.kill(-pgid, signal);
    } catch {
      // already gone
    }
  }
}

/** SIGTERM (the workers finish or hand back their tasks), then SIGKILL after `graceMs`. */
export async function stopHost(host: WorkerHost, graceMs = 3_000): Promise<void> {
  signalHost(host, 'SIGTERM');
  await new Promise((r) => setTimeout(r, graceMs));
  signalHost(host, 'SIGKILL');
  host.groups.length = 0;
}

/** A process's group and its CPU seconds: utime+stime plus cutime+cstime (the children it has reaped), Linux /proc. */
function procStat(pid: number | 'self'): { pgrp: number; cpuS: number } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // exited meanwhile
  }
  // After ")" the fields start at proc(5)'s field 3: pgrp is field 5, utime…cstime are fields 14–17.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { pgrp: Number(f[2]), cpuS: [11, 12, 13, 14].reduce((s, i) => s + Number(f[i]), 0) / 100 };
}

/** CPU seconds of one process and the children it has waited for (0 once it is gone). */
export function procCpuS(pid: number | 'self'): number {
  return procStat(pid)?.cpuS ?? 0;
}

/** CPU seconds of a host's live processes (see procStat); read before and after a run, the difference is its cost. */
export function hostCpuS(host: WorkerHost): number {
  const groups = new Set(host.groups);
  let cpuS = 0;
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    const s = procStat(Number(pid));
    if (s && groups.has(s.pgrp)) cpuS += s.cpuS;
  }
  return cpuS;
}
