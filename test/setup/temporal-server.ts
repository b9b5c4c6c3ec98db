/**
 * vitest globalSetup for integration tests: one real Temporal dev server (the CLI binary, found or built) on a free
 * port with a temporary SQLite file, migflow's search attributes registered. Tests read its address with
 * `inject('temporalAddress')` and use a unique task queue each.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { TestProject } from 'vitest/node';
import { devServerArgs, waitServing } from '../../core/tools/dev-server.js';
import { ensureTemporalCli } from '../../core/tools/temporal-cli.js';
import { freePort } from '../../core/util/free-port.js';
import { SEARCH_ATTRIBUTES } from '../../workflows/shared.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalNamespace: string;
    temporalCli: string;
    temporalDbFile: string;
  }
}

export default async function setup(project: TestProject) {
  const { path: cli } = await ensureTemporalCli({ log: (l) => process.stderr.write(`${l}\n`) });
  const dir = mkdtempSync(join(tmpdir(), 'migflow-temporal-'));
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const dbFile = join(dir, 'test.db');
  let log = '';
  const server = execa(
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
  server.stdout?.on('data', (c: Buffer) => {
    log = (log + c.toString()).slice(-4000);
  });
  server.stderr?.on('data', (c: Buffer) => {
    log = (log + c.toString()).slice(-4000);
  });
  await waitServing(cli, address, { exited: server, logTail: () => log });
  project.provide('temporalAddress', address);
  project.provide('temporalNamespace', 'default');
  project.provide('temporalCli', cli);
  project.provide('temporalDbFile', dbFile);
  return async () => {
    server.kill('SIGTERM');
    await server;
    rmSync(dir, { recursive: true, force: true });
  };
}
