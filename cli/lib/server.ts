/**
 * The dev server as migflow runs it: SQLite under artifacts/temporal/, gRPC on 127.0.0.1:7233, Web UI on :8233,
 * migflow's search attributes registered (also on an existing DB), and a state file so `server stop|status` and the
 * main job can find a server started in the background.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { SEARCH_ATTRIBUTES } from '../../contracts/temporal/index.js';
import { artifactsDir } from '../../core/paths.js';
import { writeFileAtomic } from '../../core/util/index.js';
import {
  devServerArgs,
  ensureSearchAttributes,
  isServing,
  setRetention,
  waitServing,
} from '../../tools/dev-server.js';
import { ensureTemporalCli } from '../../tools/temporal-cli.js';
import { stopBackgroundWorkers } from './background-workers.js';

export interface ServerOptions {
  ip: string;
  port: number;
  uiPort: number;
  namespace: string;
  dbFile: string;
  headless: boolean;
}

export interface ServerState {
  pid: number;
  address: string;
  uiUrl: string | null;
  dbFile: string;
  namespace: string;
  startedAt: string;
  log: string;
}

export function defaultServerOptions(env: NodeJS.ProcessEnv = process.env): ServerOptions {
  const [ip, port] = (env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233').split(':');
  return {
    ip: ip || '127.0.0.1',
    port: Number(port || 7233),
    uiPort: Number(env.MIGFLOW_UI_PORT ?? Number(port || 7233) + 1000),
    namespace: env.TEMPORAL_NAMESPACE ?? 'default',
    dbFile: join(artifactsDir(env), 'temporal', 'migflow.db'),
    headless: false,
  };
}

const stateFile = () => join(artifactsDir(), 'temporal', 'server.json');

export function readServerState(): ServerState | undefined {
  try {
    return JSON.parse(readFileSync(stateFile(), 'utf8')) as ServerState;
  } catch {
    return undefined;
  }
}

export function uiUrl(o: ServerOptions): string | null {
  return o.headless ? null : `http://${o.ip}:${o.uiPort}`;
}

/** After start: register attributes the DB may lack, keep closed runs 30 days. */
async function prepareNamespace(cli: string, o: ServerOptions): Promise<void> {
  const address = `${o.ip}:${o.port}`;
  await ensureSearchAttributes(cli, address, o.namespace, SEARCH_ATTRIBUTES);
  await setRetention(cli, address, o.namespace, 720);
}

/**
 * Starts the server in the background (detached, outliving this process) unless one already answers.
 * Returns what is running and whether this call started it.
 */
export async function ensureServerRunning(
  o: ServerOptions,
  log: (line: string) => void,
): Promise<{ started: boolean; address: string; uiUrl: string | null }> {
  const { path: cli } = await ensureTemporalCli({ log });
  const address = `${o.ip}:${o.port}`;
  if (await isServing(cli, address)) {
    const state = readServerState();
    return { started: false, address, uiUrl: state?.address === address ? state.uiUrl : uiUrl(o) };
  }
  mkdirSync(join(o.dbFile, '..'), { recursive: true });
  const logFile = join(artifactsDir(), 'temporal', 'server.log');
  const fd = openSync(logFile, 'a');
  const child = spawn(
    cli,
    devServerArgs({ cli, ...o, searchAttributes: SEARCH_ATTRIBUTES, logLevel: 'warn' }),
    {
      detached: true,
      stdio: ['ignore', fd, fd],
    },
  );
  child.unref();
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await waitServing(cli, address, {
    exited,
    logTail: () => readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n'),
  });
  await prepareNamespace(cli, o);
  const state: ServerState = {
    pid: child.pid!,
    address,
    uiUrl: uiUrl(o),
    dbFile: o.dbFile,
    namespace: o.namespace,
    startedAt: new Date().toISOString(),
    log: logFile,
  };
  writeFileAtomic(stateFile(), `${JSON.stringify(state, null, 2)}\n`);
  return { started: true, address, uiUrl: state.uiUrl };
}

/** Runs the server in the foreground until Ctrl-C (SIGINT/SIGTERM are forwarded; the server stops cleanly). */
export async function runServerForeground(o: ServerOptions, log: (line: string) => void): Promise<number> {
  const { path: cli } = await ensureTemporalCli({ log });
  const address = `${o.ip}:${o.port}`;
  if (await isServing(cli, address)) {
    // The state file describes the server migflow last started; it only applies if that is this one.
    const state = readServerState();
    const ours = state?.address === address ? state : undefined;
    log(
      `A Temporal server is already running at ${address}${ours?.uiUrl ? ` (Web UI ${ours.uiUrl})` : ''}; nothing to do.` +
        (ours ? ' Stop it with `npx migflow server stop`.' : ''),
    );
    return 0;
  }
  mkdirSync(join(o.dbFile, '..'), { recursive: true });
  const child = spawn(
    cli,
    devServerArgs({ cli, ...o, searchAttributes: SEARCH_ATTRIBUTES, logLevel: 'error' }),
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? 0)));
  const forward = (sig: NodeJS.Signals) => child.kill(sig);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  await waitServing(cli, address, { exited });
  await prepareNamespace(cli, o);
  writeFileAtomic(
    stateFile(),
    `${JSON.stringify({ pid: child.pid!, address, uiUrl: uiUrl(o), dbFile: o.dbFile, namespace: o.namespace, startedAt: new Date().toISOString(), log: '(foreground)' } satisfies ServerState, null, 2)}\n`,
  );
  log(`Temporal dev server ready: gRPC ${address}, namespace ${o.namespace}, DB ${o.dbFile}`);
  if (uiUrl(o)) log(`Web UI: ${uiUrl(o)}`);
  log('Press Ctrl-C to stop.');
  const code = await exited;
  rmSync(stateFile(), { force: true });
  log('Temporal dev server stopped.');
  return code;
}

/** Stops a background server started by migflow (from its state file), and the main job's background workers. */
export async function stopServer(log: (line: string) => void): Promise<boolean> {
  const workers = await stopBackgroundWorkers();
  if (workers > 0) log(`Stopped ${workers} background worker${workers === 1 ? '' : 's'} of the main job.`);
  const state = readServerState();
  if (!state) {
    log('No migflow-started server found (artifacts/temporal/server.json is missing).');
    return false;
  }
  try {
    process.kill(state.pid, 'SIGTERM');
  } catch {
    log(`Server process ${state.pid} is gone already.`);
    rmSync(stateFile(), { force: true });
    return false;
  }
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(state.pid, 0);
    } catch {
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  rmSync(stateFile(), { force: true });
  log(
    `Stopped the Temporal dev server at ${state.address} (pid ${state.pid}). Its history stays in ${state.dbFile}.`,
  );
  return true;
}
