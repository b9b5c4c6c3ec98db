/**
 * Crash drills for the whole pipeline: a worker killed with SIGKILL at a random point, and the dev server killed with
 * SIGKILL mid-run and restarted on its SQLite file. Either way the pipeline completes with the same result as an
 * undisturbed run (same dataset outputs, same benchmark numbers).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startPipelineWorkers } from '../../cli/lib/pipeline-workers.js';
import type { PipelineInput, PipelineResult } from '../../contracts/index.js';
import { sha256Hex } from '../../core/cache/hash.js';
import { startPrivateDevServer } from '../helpers/dev-server-process.js';
import { tinyPipelineInput } from '../helpers/pipeline.js';
import { uniqueQueue } from '../helpers/temporal.js';
import { privateGpuIndex } from '../helpers/train.js';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'migflow-pipeline-drill-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

// Private GPU queues for this file's workers (migflow-gpu-<N> with N no other test uses).
const firstGpu = privateGpuIndex();
const GPUS: [number, number] = [firstGpu, firstGpu + 1];

/** The whole pipeline, tiny. A dead worker's activity is retried elsewhere after 5 s of silence. */
function drillInput(runId: string): PipelineInput {
  return tinyPipelineInput({ runId, gpus: GPUS, heartbeatTimeoutS: 5 });
}

/**
 * What must not depend on crashes: dataset output bytes, the profiling keys, the fitted values, the trials and their
 * trained step counts, and every baseline's benchmark numbers. (The drills start from the reference's profiling
 * measurements — see `seedProfiling` — because measured latencies legitimately differ between two real runs. A
 * resumed training is equivalent, not bit-identical, so RL numbers are left out.)
 */
function fingerprint(r: PipelineResult) {
  return {
    stages: r.stages.map((s) => s.stage),
    datasets: r.datasets?.datasets.map((d) => ({
      kind: d.kind,
      cacheKey: d.cacheKey,
      rows: d.rowsWritten,
      output: sha256Hex(readFileSync(d.outputFile)),
    })),
    profiling: r.profiling?.profiles.map((p) => [p.model, p.profile, p.cacheKey, p.kvCacheGb]),
    fitted: r.fit?.fits.map((f) => [f.model, f.profile, f.prefill, f.tpot]),
    trials: r.train?.trials.map((t) => [t.trialKey, t.status]),
    // The run's total, not the best checkpoint's steps: which checkpoint evaluates best is an RL number.
    trainedSteps: r.train?.trials.map((t) => t.steps),
    baselines: Object.fromEntries(
      r.bench?.results.filter((b) => !b.checkpoint).map((b) => [b.policy, b.entry]) ?? [],
    ),
  };
}

/**
 * Copies the reference run's profiling cache entries into a drill's artifacts: the drill's profiling stage is a cache
 * hit on the same measurements, so everything downstream of it must come out the same. (profileEngine's own crash
 * resume is tested in test/docker/profile-engine-resume.test.ts.)
 */
function seedProfiling(artifacts: string): void {
  cpSync(join(tmp, 'reference', 'profiling'), join(artifacts, 'profiling'), { recursive: true });
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
  const workers = await startPipelineWorkers({
    env: workerEnv(address, queue, join(tmp, name)),
    gpus: GPUS,
    emulate: true,
  });
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
  /** How long the undisturbed run's stages took: kills land at a random point in its first half, always mid-run. */
  let referenceWallMs = 0;
  const randomPointMs = () => Math.floor(Math.random() * 0.5 * referenceWallMs);
  beforeAll(async () => {
    reference = await runUndisturbed(inject('temporalAddress'), 'reference');
    // The stages a drill's run computes (its profiling is a cache hit on the seeded measurements).
    referenceWallMs = reference.stages
      .filter((s) => s.stage !== 'profiling')
      .reduce((sum, s) => sum + s.durationMs, 0);
  }, 600_000);

  it('completes with the undisturbed result after a worker is killed with SIGKILL at a random point', async () => {
    const address = inject('temporalAddress');
    const queue = uniqueQueue('pipeline-worker-kill');
    const env = workerEnv(address, queue, join(tmp, 'worker-kill'));
    seedProfiling(join(tmp, 'worker-kill'));
    const { client, connection } = await connect(address);
    const first = await startPipelineWorkers({ env, gpus: GPUS, emulate: true });
    let second: Awaited<ReturnType<typeof startPipelineWorkers>> | undefined;
    try {
      const runId = `${queue}-run`;
      const handle = await client.workflow.start('PipelineWorkflow', {
        taskQueue: queue,
        workflowId: `${queue}/run`,
        args: [drillInput(runId)],
      });
      await untilSomeActivityRuns(client, runId);
      // A random worker at a random point after the first activity started: the orchestration worker (workflows,
      // CPU stages) or a GPU worker (profiling, training) — the message says which, for a failing run.
      const delayMs = randomPointMs();
      const victims = [first.main!, ...first.gpu];
      const victim = victims[Math.floor(Math.random() * victims.length)]!;
      await new Promise((r) => setTimeout(r, delayMs));
      const drill = `killed ${victim.label} ${delayMs} ms after the first activity`;
      // The kill must land mid-run for the drill to mean anything.
      expect((await handle.describe()).status.name, drill).toBe('RUNNING');
      victim.proc.kill('SIGKILL');
      await victim.proc;
      // A replacement for the dead worker only; the others never stopped.
      second = await startPipelineWorkers(
        victim === first.main
          ? { env }
          : { env, main: false, gpus: [GPUS[first.gpu.indexOf(victim)]!], emulate: true },
      );
      const result = (await handle.result()) as PipelineResult;
      expect(fingerprint(result), drill).toEqual(fingerprint(reference));
    } finally {
      await connection.close();
      await first.stop();
      await second?.stop();
    }
  }, 600_000);

  it('completes with the undisturbed result after the dev server is killed with SIGKILL mid-run and restarted', async () => {
    const server = await startPrivateDevServer();
    const queue = uniqueQueue('pipeline-server-kill');
    const env = workerEnv(server.address, queue, join(tmp, 'server-kill'));
    seedProfiling(join(tmp, 'server-kill'));
    const workers = await startPipelineWorkers({ env, gpus: GPUS, emulate: true });
    try {
      const runId = `${queue}-run`;
      let { client, connection } = await connect(server.address);
      const handle = await client.workflow.start('PipelineWorkflow', {
        taskQueue: queue,
        workflowId: `${queue}/run`,
        args: [drillInput(runId)],
      });
      await untilSomeActivityRuns(client, runId);
      // Somewhere in the pipeline, not only at its first activity.
      await new Promise((r) => setTimeout(r, randomPointMs()));
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
  }, 600_000);
});
