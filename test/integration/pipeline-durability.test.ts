/**
 * Crash drills for the whole pipeline: a worker killed with SIGKILL at a random point, and the dev server killed with
 * SIGKILL mid-run and restarted on its SQLite file. Either way the pipeline completes with the same result as an
 * undisturbed run (same dataset outputs, same benchmark numbers).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startPipelineWorkers } from '../../cli/lib/pipeline-workers.js';
import { sampleInputs } from '../../cli/lib/samples.js';
import { sha256Hex } from '../../core/cache/hash.js';
import { DatasetKind } from '../../workflows/inputs.js';
import type { PipelineInput, PipelineResult } from '../../workflows/pipeline-inputs.js';
import { startPrivateDevServer } from '../helpers/dev-server-process.js';
import { uniqueQueue } from '../helpers/temporal.js';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'migflow-pipeline-drill-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

function drillInput(runId: string): PipelineInput {
  return {
    runId,
    datasets: DatasetKind.options.map((kind) => ({ kind, inputs: sampleInputs(kind) })),
    bench: { steps: 24, syntheticTokens: true },
    // A dead worker's activity is retried elsewhere after this many seconds of silence.
    heartbeatTimeoutS: 3,
  };
}

/** What must not depend on crashes: dataset output bytes and every benchmark number, per stage and policy. */
function fingerprint(r: PipelineResult) {
  return {
    stages: r.stages.map((s) => s.stage),
    datasets: r.datasets?.datasets.map((d) => ({
      kind: d.kind,
      cacheKey: d.cacheKey,
      rows: d.rowsWritten,
      output: sha256Hex(readFileSync(d.outputFile)),
    })),
    bench: Object.fromEntries(r.bench?.results.map((b) => [b.policy, b.entry]) ?? []),
  };
}

async function connect(address: string) {
  const connection = await Connection.connect({ address });
  return { client: new Client({ connection, namespace: 'default' }), connection };
}

function workerEnv(address: string, queue: string, artifacts: string): Record<string, string> {
  return {
    ...(process.env as Record<string, string>),
    TEMPORAL_ADDRESS: address,
    TEMPORAL_NAMESPACE: 'default',
    MIGFLOW_TASK_QUEUE: queue,
    MIGFLOW_ARTIFACTS: artifacts,
  };
}

async function runUndisturbed(address: string, name: string): Promise<PipelineResult> {
  const queue = uniqueQueue(`pipeline-${name}`);
  const workers = await startPipelineWorkers({ env: workerEnv(address, queue, join(tmp, name)) });
  const { client, connection } = await connect(address);
  try {
    return (await client.workflow.execute('PipelineWorkflow', {
      taskQueue: queue,
      workflowId: `${queue}/run`,
      args: [drillInput(name)],
    })) as PipelineResult;
  } finally {
    await connection.close();
    await workers.stop();
  }
}

/** Resolves once any activity of the pipeline (or its children) has started on a worker. */
async function untilSomeActivityRuns(client: Client, runId: string): Promise<void> {
  for (;;) {
    const running = client.workflow.list({
      query: `MigflowRunId = '${runId}' AND ExecutionStatus = 'Running'`,
    });
    for await (const wf of running) {
      const d = await client.workflow.getHandle(wf.workflowId).describe();
      if ((d.raw.pendingActivities ?? []).some((p) => p.state === 2 /* STARTED */)) return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('PipelineWorkflow crash drills', () => {
  let reference: PipelineResult;
  beforeAll(async () => {
    reference = await runUndisturbed(inject('temporalAddress'), 'reference');
  }, 300_000);

  it('completes with the undisturbed result after a worker is killed with SIGKILL at a random point', async () => {
    const address = inject('temporalAddress');
    const queue = uniqueQueue('pipeline-worker-kill');
    const env = workerEnv(address, queue, join(tmp, 'worker-kill'));
    const { client, connection } = await connect(address);
    const first = await startPipelineWorkers({ env });
    let second: Awaited<ReturnType<typeof startPipelineWorkers>> | undefined;
    try {
      const runId = `${queue}-run`;
      const handle = await client.workflow.start('PipelineWorkflow', {
        taskQueue: queue,
        workflowId: `${queue}/run`,
        args: [drillInput(runId)],
      });
      await untilSomeActivityRuns(client, runId);
      // A random point after the first activity started: anywhere in the datasets or bench stage.
      const delayMs = Math.floor(Math.random() * 1500);
      await new Promise((r) => setTimeout(r, delayMs));
      first.main.proc.kill('SIGKILL');
      await first.main.proc;
      // The kill must land mid-run for the drill to mean anything.
      expect((await handle.describe()).status.name, `killed ${delayMs} ms after the first activity`).toBe(
        'RUNNING',
      );
      second = await startPipelineWorkers({ env });
      const result = (await handle.result()) as PipelineResult;
      expect(fingerprint(result), `killed ${delayMs} ms after the first activity started`).toEqual(
        fingerprint(reference),
      );
    } finally {
      await connection.close();
      await first.stop();
      await second?.stop();
    }
  }, 300_000);

  it('completes with the undisturbed result after the dev server is killed with SIGKILL mid-run and restarted', async () => {
    const server = await startPrivateDevServer();
    const queue = uniqueQueue('pipeline-server-kill');
    const env = workerEnv(server.address, queue, join(tmp, 'server-kill'));
    const workers = await startPipelineWorkers({ env });
    try {
      const runId = `${queue}-run`;
      let { client, connection } = await connect(server.address);
      const handle = await client.workflow.start('PipelineWorkflow', {
        taskQueue: queue,
        workflowId: `${queue}/run`,
        args: [drillInput(runId)],
      });
      await untilSomeActivityRuns(client, runId);
      expect((await handle.describe()).status.name).toBe('RUNNING');
      await connection.close();
      await server.crash();
      await new Promise((r) => setTimeout(r, 1000));
      await server.restart();
      // The workers were never restarted: they reconnect to the restarted server by themselves.
      ({ client, connection } = await connect(server.address));
      try {
        const result = (await client.workflow.getHandle(handle.workflowId).result()) as PipelineResult;
        expect(fingerprint(result)).toEqual(fingerprint(reference));
      } finally {
        await connection.close();
      }
    } finally {
      await workers.stop();
      await server.stop();
    }
  }, 300_000);
});
