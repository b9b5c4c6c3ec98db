/**
 * A private Temporal dev server for tests that must kill and restart the server itself (the shared one from
 * globalSetup must stay up). Same CLI and flags as `migflow server`; the SQLite file survives restarts.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResultPromise } from 'execa';
import { inject } from 'vitest';
import { freePort } from '../../core/util/free-port.js';
import { launchDevServer } from './launch-dev-server.js';

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
  const launch = async () => {
    proc = (await launchDevServer({ cli, port, dbFile })).proc;
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
