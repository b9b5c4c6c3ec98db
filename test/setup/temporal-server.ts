/**
 * vitest globalSetup for integration tests: one real Temporal dev server (the CLI binary, found or built) on a free
 * port with a temporary SQLite file, migflow's search attributes registered. Tests read its address with
 * `inject('temporalAddress')` and use a unique task queue each.
 *
 * MIGFLOW_TEST_TEMPORAL=prod runs them against the production-style stack instead (scripts/prod-stack.sh: the
 * Temporal server on PostgreSQL, in a temp dir on free ports). Tests that restart the dev server from its SQLite
 * file (temporalDbFile is then empty) need the dev server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { freePort } from '../../core/util/free-port.js';
import { ensureTemporalCli } from '../../tools/temporal-cli.js';
import { launchDevServer } from '../helpers/launch-dev-server.js';
import { launchProdStack } from '../helpers/launch-prod-stack.js';

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
  if (process.env.MIGFLOW_TEST_TEMPORAL === 'prod') {
    const stack = await launchProdStack();
    process.stderr.write(`integration tests run against the production-style stack at ${stack.address}\n`);
    project.provide('temporalAddress', stack.address);
    project.provide('temporalNamespace', 'default');
    project.provide('temporalCli', cli);
    project.provide('temporalDbFile', '');
    return () => stack.down();
  }
  const dir = mkdtempSync(join(tmpdir(), 'migflow-temporal-'));
  const port = await freePort();
  const dbFile = join(dir, 'test.db');
  const { proc: server, address } = await launchDevServer({ cli, port, dbFile });
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
