/**
 * The set-up integration test files share: a client and a worker connection on the shared dev server, a scratch
 * folder, and in-process workers of the real workflows and activities over a stage cache in that folder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client, Connection } from '@temporalio/client';
import { type NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, inject } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { StageCache } from '../../core/cache/index.js';
import { PROJECT_ROOT } from '../../core/paths.js';
import { testClient, workerConnection, workflowBundle } from './temporal.js';

export interface TestTemporal {
  readonly client: Client;
  readonly nativeConnection: NativeConnection;
  /** This test file's scratch folder (removed after its tests). */
  readonly tmp: string;
}

/**
 * Registers the file's beforeAll/afterAll: connections opened and closed, a scratch folder `<prefix>…` made and
 * removed, and MIGFLOW_ARTIFACTS put back as it was (tests that point the GPU workers' cache at their folder set it).
 * The fields are set once beforeAll has run.
 */
export function useTestTemporal(prefix: string): TestTemporal {
  const t = {} as { client: Client; connection: Connection; nativeConnection: NativeConnection; tmp: string };
  const savedArtifacts = process.env.MIGFLOW_ARTIFACTS;
  beforeAll(async () => {
    ({ client: t.client, connection: t.connection } = await testClient());
    t.nativeConnection = await workerConnection();
    t.tmp = mkdtempSync(join(tmpdir(), prefix));
  });
  afterAll(async () => {
    if (savedArtifacts === undefined) delete process.env.MIGFLOW_ARTIFACTS;
    else process.env.MIGFLOW_ARTIFACTS = savedArtifacts;
    await t.nativeConnection?.close();
    await t.connection?.close();
    if (t.tmp) rmSync(t.tmp, { recursive: true, force: true });
  });
  return t;
}

/** A worker of every workflow and the real activities on `queue`, its stage cache at `artifacts`. */
export async function startTestWorker(
  t: TestTemporal,
  queue: string,
  artifacts: string = join(t.tmp, 'artifacts'),
): Promise<Worker> {
  return Worker.create({
    connection: t.nativeConnection,
    namespace: inject('temporalNamespace'),
    taskQueue: queue,
    workflowBundle: await workflowBundle(),
    activities: createActivities({
      projectRoot: PROJECT_ROOT,
      cache: new StageCache({ root: artifacts, migflowVersion: 'test' }),
      childEnv: {},
    }),
  });
}
