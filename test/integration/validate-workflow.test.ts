/**
 * ValidateWorkflow on the real dev server: the activity starts a vLLM emulator per agent (truth = the simulation
 * config's fit), replays the trace through both sides and writes the report; a wrong prefill α in the simulation
 * config fails the workflow with a non-retryable ValidationFailed naming the metric.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Client, type Connection, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { type NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import type { ValidateWorkflowInput, ValidateWorkflowResult } from '../../contracts/index.js';
import { StageCache } from '../../core/cache/index.js';
import { PROJECT_ROOT } from '../../core/paths.js';
import { testClient, uniqueQueue, workerConnection, workflowBundle } from '../helpers/temporal.js';

let client: Client;
let connection: Connection;
let nativeConnection: NativeConnection;
let tmp: string;

beforeAll(async () => {
  ({ client, connection } = await testClient());
  nativeConnection = await workerConnection();
  tmp = mkdtempSync(join(tmpdir(), 'migflow-validate-it-'));
});
afterAll(async () => {
  await nativeConnection?.close();
  await connection?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('ValidateWorkflow', () => {
  it('passes against emulators with the fitted truth and fails, non-retryably, on a wrong α', async () => {
    const queue = uniqueQueue('validate');
    const artifacts = join(tmp, 'artifacts');
    const worker = await Worker.create({
      connection: nativeConnection,
      namespace: inject('temporalNamespace'),
      taskQueue: queue,
      workflowBundle: await workflowBundle(),
      activities: createActivities({
        projectRoot: PROJECT_ROOT,
        cache: new StageCache({ root: artifacts, migflowVersion: 'test' }),
        childEnv: {},
      }),
    });
    const short = join(tmp, 'validate.yaml');
    writeFileSync(
      short,
      readFileSync(join(PROJECT_ROOT, 'configs', 'validate.yaml'), 'utf8').replace(
        'requests: 40',
        'requests: 24',
      ),
    );
    const wrong = join(tmp, 'simulation_config.yaml');
    writeFileSync(
      wrong,
      readFileSync(join(PROJECT_ROOT, 'configs', 'simulation_config.yaml'), 'utf8').replace(
        'alpha: 0.04467752846225546',
        'alpha: 0.3',
      ),
    );
    await worker.runUntil(async () => {
      const ok = (await client.workflow.execute('ValidateWorkflow', {
        taskQueue: queue,
        workflowId: `${queue}/ok`,
        args: [{ validateConfig: short } satisfies ValidateWorkflowInput],
      })) as ValidateWorkflowResult;
      expect(ok.pass, ok.table).toBe(true);
      expect(ok.agents.map((a) => a.agent)).toEqual(['CodingAgent', 'RAGAgent']);
      expect(existsSync(join(ok.dir, 'report.json'))).toBe(true);
      expect(readFileSync(join(ok.dir, 'report.md'), 'utf8')).toContain('TTFT P99');

      const err = await client.workflow
        .execute('ValidateWorkflow', {
          taskQueue: queue,
          workflowId: `${queue}/wrong-alpha`,
          args: [
            {
              validateConfig: short,
              simulationConfig: wrong,
              emulatorTruth: 'configs/simulation_config.yaml',
            } satisfies ValidateWorkflowInput,
          ],
        })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      const cause = (err as WorkflowFailedError).cause;
      expect(cause).toBeInstanceOf(ApplicationFailure);
      expect((cause as ApplicationFailure).type).toBe('ValidationFailed');
      expect((cause as ApplicationFailure).nonRetryable).toBe(true);
      expect((cause as ApplicationFailure).message).toMatch(/CodingAgent ttft_p50/);
    });
  }, 300_000);
});
