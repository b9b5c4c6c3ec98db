/**
 * Starts one Temporal dev server process the way `migflow server` does (same CLI flags, migflow's search attributes,
 * 127.0.0.1) and waits until it serves, failing with its last log lines if it dies first. Shared by the integration
 * globalSetup, the crash drills' private server and the browser tests (which also want the Web UI).
 */
import { execa, type ResultPromise } from 'execa';
import { SEARCH_ATTRIBUTES } from '../../contracts/temporal/index.js';
import { devServerArgs, waitServing } from '../../tools/dev-server.js';

export interface LaunchOptions {
  cli: string;
  port: number;
  /** SQLite file; omitted → in-memory. */
  dbFile?: string;
  /** Web UI port; omitted → headless. */
  uiPort?: number;
}

export async function launchDevServer(o: LaunchOptions): Promise<{ proc: ResultPromise; address: string }> {
  const address = `127.0.0.1:${o.port}`;
  let log = '';
  const proc = execa(
    o.cli,
    devServerArgs({
      cli: o.cli,
      ip: '127.0.0.1',
      port: o.port,
      ...(o.uiPort === undefined ? { headless: true } : { uiPort: o.uiPort }),
      ...(o.dbFile ? { dbFile: o.dbFile } : {}),
      namespace: 'default',
      searchAttributes: SEARCH_ATTRIBUTES,
    }),
    { reject: false, buffer: false },
  );
  // The start of the output too: a panic's reason comes first, and its goroutine dump would push it out of the tail.
  let head = '';
  const keep = (c: Buffer) => {
    if (head.length < 2000) head = (head + c.toString()).slice(0, 2000);
    log = (log + c.toString()).slice(-4000);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  await waitServing(o.cli, address, { exited: proc, logTail: () => `${head}\n…\n${log}` });
  return { proc, address };
}
