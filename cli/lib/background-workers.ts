/**
 * The main job's workers, kept running in the background between runs like the dev server: a cached re-run then
 * costs the pipeline's round trips, not the start-up of three Node processes, and the Web UI's "current details" and
 * queries keep answering after the job. The workers are reused only while they are alive, connected to the same
 * server, serve the GPUs asked for, and run the code of this checkout (a fingerprint of every source file and the
 * lockfile); otherwise they are stopped and started afresh. `migflow server stop` stops them with the server.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { artifactsDir, PROJECT_ROOT } from '../../core/paths.js';
import { writeFileAtomic } from '../../core/util/index.js';
import { WORKER_READY_BANNER } from './worker-processes.js';

const SOURCE_DIRS = ['activities', 'core', 'workers', 'workflows', 'emulators'];

interface WorkerRecord {
  label: string;
  pid: number;
  log: string;
}

export interface BackgroundWorkersState {
  fingerprint: string;
  address: string;
  namespace: string;
  gpus: number[];
  emulate: boolean;
  workers: WorkerRecord[];
  startedAt: string;
}

const stateFile = () => join(artifactsDir(), 'temporal', 'workers.json');

/** A hash of the code the workers would run: every .ts file under the source dirs, and the lockfile. */
export function codeFingerprint(): string {
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      if (name === 'node_modules' || name.startsWith('.')) continue;
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.ts')) hash.update(relative(PROJECT_ROOT, path)).update(readFileSync(path));
    }
  };
  for (const d of SOURCE_DIRS) if (existsSync(join(PROJECT_ROOT, d))) walk(join(PROJECT_ROOT, d));
  hash.update(readFileSync(join(PROJECT_ROOT, 'package-lock.json')));
  return hash.digest('hex').slice(0, 24);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function readState(): BackgroundWorkersState | undefined {
  try {
    return JSON.parse(readFileSync(stateFile(), 'utf8')) as BackgroundWorkersState;
  } catch {
    return undefined;
  }
}

/** Stops the recorded background workers (SIGTERM, then SIGKILL after 15 s). Returns how many were running. */
export async function stopBackgroundWorkers(): Promise<number> {
  const state = readState();
  if (!state) return 0;
  const running = state.workers.filter((w) => alive(w.pid));
  for (const w of running) process.kill(w.pid, 'SIGTERM');
  const deadline = Date.now() + 15_000;
  while (running.some((w) => alive(w.pid)) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 100));
  for (const w of running) if (alive(w.pid)) process.kill(w.pid, 'SIGKILL');
  rmSync(stateFile(), { force: true });
  return running.length;
}

/** Waits until `log` shows the worker's "queue … on …" banner; fails when the process dies first. */
async function waitReady(w: WorkerRecord, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = existsSync(w.log) ? readFileSync(w.log, 'utf8') : '';
    if (WORKER_READY_BANNER.test(text)) return;
    const tail = text.split('\n').slice(-15).join('\n');
    if (!alive(w.pid)) throw new Error(`${w.label} exited before it was ready:\n${tail}`);
    if (Date.now() > deadline)
      throw new Error(`${w.label} was not ready within ${timeoutMs / 1000} s:\n${tail}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

function startDetached(
  label: string,
  script: string,
  args: string[],
  env: Record<string, string>,
): WorkerRecord {
  const log = join(artifactsDir(), 'temporal', `${label.replace(/\s+/g, '-')}.log`);
  const fd = openSync(log, 'w');
  const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'workers', script), ...args], {
    cwd: PROJECT_ROOT,
    env,
    detached: true,
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  child.unref();
  return { label, pid: child.pid!, log };
}

export interface EnsureWorkersOptions {
  env: Record<string, string>;
  address: string;
  namespace: string;
  gpus: readonly number[];
  emulate: boolean;
}

/** Reuses the background workers when they fit, else (re)starts them. `reused` says which. */
export async function ensureBackgroundWorkers(
  o: EnsureWorkersOptions,
): Promise<{ reused: boolean; state: BackgroundWorkersState }> {
  const fingerprint = codeFingerprint();
  const state = readState();
  const fits =
    state !== undefined &&
    state.fingerprint === fingerprint &&
    state.address === o.address &&
    state.namespace === o.namespace &&
    state.emulate === o.emulate &&
    o.gpus.every((g) => state.gpus.includes(g)) &&
    state.workers.every((w) => alive(w.pid));
  if (fits) return { reused: true, state: state! };
  await stopBackgroundWorkers();

  const workers: WorkerRecord[] = [];
  try {
    // One after another: each loads the activities on start, and 2 cores do that faster in series.
    const main = startDetached('main-worker', 'main-worker.ts', [], o.env);
    workers.push(main);
    await waitReady(main, 180_000);
    for (const g of o.gpus) {
      const w = startDetached(
        `gpu-worker-${g}`,
        'gpu-worker.ts',
        ['--gpu', String(g), ...(o.emulate ? ['--emulate'] : [])],
        o.env,
      );
      workers.push(w);
      await waitReady(w, 180_000);
    }
  } catch (err) {
    for (const w of workers) if (alive(w.pid)) process.kill(w.pid, 'SIGKILL');
    throw err;
  }
  const next: BackgroundWorkersState = {
    fingerprint,
    address: o.address,
    namespace: o.namespace,
    gpus: [...o.gpus],
    emulate: o.emulate,
    workers,
    startedAt: new Date().toISOString(),
  };
  writeFileAtomic(stateFile(), `${JSON.stringify(next, null, 2)}\n`);
  return { reused: false, state: next };
}
