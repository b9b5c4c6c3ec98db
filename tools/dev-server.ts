/**
 * Runs and probes the Temporal dev server (`temporal server start-dev`) through the CLI binary.
 * Used by `migflow server`, the main job and the test setup, so all three start the server the same way.
 */
import { execa } from 'execa';
import { CommandError } from '../core/errors.js';

export interface DevServerOptions {
  cli: string;
  ip: string;
  port: number;
  /** Web UI port; omitted or `headless` → no UI. */
  uiPort?: number;
  headless?: boolean;
  /** SQLite file; omitted → in-memory (everything is lost when the server stops). */
  dbFile?: string;
  namespace: string;
  searchAttributes: Readonly<Record<string, string>>;
  logLevel?: 'debug' | 'info' | 'warn' | 'error' | 'never';
}

export function devServerArgs(o: DevServerOptions): string[] {
  const args = ['server', 'start-dev', '--ip', o.ip, '--port', String(o.port), '--namespace', o.namespace];
  if (o.headless || o.uiPort === undefined) args.push('--headless');
  else args.push('--ui-port', String(o.uiPort));
  if (o.dbFile) args.push('--db-filename', o.dbFile);
  for (const [name, type] of Object.entries(o.searchAttributes))
    args.push('--search-attribute', `${name}=${type}`);
  // Offline machines: no pointless version-check calls to the internet.
  args.push('--dynamic-config-value', 'frontend.enableServerVersionCheck=false');
  args.push('--dynamic-config-value', 'system.enableActivityEagerExecution=true');
  args.push('--log-level', o.logLevel ?? 'error', '--log-format', 'json');
  return args;
}

/** True when a server answers SERVING at `address` (host:port). */
export async function isServing(cli: string, address: string): Promise<boolean> {
  const r = await execa(cli, ['operator', 'cluster', 'health', '--address', address], {
    reject: false,
    timeout: 5_000,
  });
  return r.exitCode === 0 && r.stdout.includes('SERVING');
}

/** Polls until the server is healthy; fails fast when `exited` settles first (the server process died). */
export async function waitServing(
  cli: string,
  address: string,
  opts: { timeoutMs?: number; exited?: Promise<unknown>; logTail?: () => string } = {},
): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 90_000);
  let dead = false;
  void opts.exited?.then(
    () => {
      dead = true;
    },
    () => {
      dead = true;
    },
  );
  while (Date.now() < deadline) {
    if (await isServing(cli, address)) return;
    if (dead) break;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new CommandError(
    [cli, 'server', 'start-dev'],
    undefined,
    opts.logTail?.() ?? '',
    dead
      ? 'the dev server exited during start-up; see its log above (a port in use, or a DB file from another CLI version)'
      : `the dev server did not become healthy at ${address} in time`,
  );
}

/**
 * Registers missing custom search attributes. `--search-attribute` only applies when the namespace is first
 * created, so a server started on an existing DB from an older migflow would lack newer attributes.
 */
export async function ensureSearchAttributes(
  cli: string,
  address: string,
  namespace: string,
  attributes: Readonly<Record<string, string>>,
): Promise<string[]> {
  const r = await execa(cli, [
    'operator',
    'search-attribute',
    'list',
    '--address',
    address,
    '-n',
    namespace,
    '-o',
    'json',
  ]);
  const existing =
    (JSON.parse(r.stdout) as { customAttributes?: Record<string, string> }).customAttributes ?? {};
  const added: string[] = [];
  for (const [name, type] of Object.entries(attributes)) {
    if (name in existing) continue;
    const c = await execa(
      cli,
      [
        'operator',
        'search-attribute',
        'create',
        '--address',
        address,
        '-n',
        namespace,
        '--name',
        name,
        '--type',
        type,
      ],
      { reject: false },
    );
    if (c.exitCode !== 0 && !/already exists/i.test(c.stderr)) {
      throw new CommandError(
        ['temporal', 'operator', 'search-attribute', 'create', name],
        c.exitCode,
        c.stderr,
      );
    }
    added.push(name);
  }
  return added;
}

/** Keeps closed workflows for `hours` (the dev server's default is 24 h, too short for a persistent DB). */
export async function setRetention(
  cli: string,
  address: string,
  namespace: string,
  hours: number,
): Promise<void> {
  await execa(
    cli,
    ['operator', 'namespace', 'update', '--address', address, '-n', namespace, '--retention', `${hours}h`],
    {
      reject: false,
    },
  );
}

/**
 * A private, headless dev server on a free port of 127.0.0.1 with migflow's namespace and search attributes (the
 * benchmark scripts' own server); resolves once it serves. `stop()` ends it.
 */
export async function startPrivateDevServer(o: {
  cli: string;
  port: number;
  searchAttributes: Readonly<Record<string, string>>;
  logLevel?: DevServerOptions['logLevel'];
}): Promise<{ address: string; stop(): Promise<void> }> {
  const address = `127.0.0.1:${o.port}`;
  const server = execa(
    o.cli,
    devServerArgs({
      cli: o.cli,
      ip: '127.0.0.1',
      port: o.port,
      headless: true,
      namespace: 'default',
      searchAttributes: o.searchAttributes,
      ...(o.logLevel ? { logLevel: o.logLevel } : {}),
    }),
    { reject: false },
  );
  const stop = async () => {
    server.kill('SIGTERM');
    await server;
  };
  try {
    await waitServing(o.cli, address, { exited: server });
  } catch (err) {
    await stop();
    throw err;
  }
  return { address, stop };
}
