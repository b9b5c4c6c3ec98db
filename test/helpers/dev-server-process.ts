/**
 * A private Temporal dev server for tests that must kill and restart the server itself (the shared one from
 * globalSetup must stay up). Same CLI and flags as `migflow server`; the SQLite file survives restarts.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { inject } from 'vitest';
import { devServerArgs, waitServing } from '../../core/tools/dev-server.js';
import { freePort } from '../../core/util/free-port.js';
import { SEARCH_ATTRIBUTES } from '../../workflows/shared.js';

export interface PrivateDevServer {
  readonly address: string;
  readonly dbFile: string;
  /** Kills the server process outright (SIGKILL), as a crash would. */
  crash(): Promise<void>;
  /** Starts the server again on the same port and SQLite file. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startPrivateDevServer(): Promise<PrivateDevServer> {
  const cli = inject('temporalCli');
  const dir = mkdtempSync(join(tmpdir(), 'migflow-private-server-'));
  const dbFile = join(dir, 'server.db');
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  let proc: ResultPromise | undefined;
  let log = '';
  const launch = async () => {
    log = '';
    const p = execa(
      cli,
      devServerArgs({
        cli,
        ip: '127.0.0.1',
        port,
        headless: true,
        dbFile,
        namespace: 'default',
        searchAttributes: SEARCH_ATTRIBUTES,
      }),
      { reject: false, buffer: false },
    );
    p.stderr?.on('data', (c: Buffer) => {
      log = (log + c.toString()).slice(-4000);
    });
    proc = p;
    await waitServing(cli, address, { exited: p, logTail: () => log });
  };
  await launch();
  return {
    address,
    dbFile,
    async crash() {
      proc?.kill('SIGKILL');
      await proc;
    },
    restart: launch,
    async stop() {
      proc?.kill('SIGTERM');
      await proc;
    },
  };
}
