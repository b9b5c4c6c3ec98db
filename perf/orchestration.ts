/**
 * npm run bench:orchestration — orchestration overhead on a real dev server (in-memory DB, free port):
 *   - round trip of a cache-hit `prepareDataset` activity on the server's clock: scheduled → the workflow task that
 *     receives its result starts (p50, p95 over --runs, ≥ 50); also the time spent inside the activity
 *   - wall time of a cached DatasetWorkflow re-run from the client (start → result), p50 over 10 runs
 * Targets: activity p50 < 20 ms; cached re-run < 1 s. Prints one JSON object.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { quantileSorted } from 'simple-statistics';
import { createActivities } from '../activities/index.js';
import { sampleInputs } from '../cli/lib/samples.js';
import { SEARCH_ATTRIBUTES } from '../contracts/temporal/index.js';
import { StageCache } from '../core/cache/index.js';
import { PROJECT_ROOT } from '../core/paths.js';
import { freePort } from '../core/util/index.js';
import { startPrivateDevServer } from '../tools/dev-server.js';
import { ensureTemporalCli } from '../tools/temporal-cli.js';
import { installRuntime } from '../workers/connect.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '100' } } });
const runs = Math.max(50, Number(values.runs));

installRuntime('ERROR');
const { path: cli } = await ensureTemporalCli();
const server = await startPrivateDevServer({
  cli,
  port: await freePort(),
  searchAttributes: SEARCH_ATTRIBUTES,
});
const address = server.address;
const tmp = mkdtempSync(join(tmpdir(), 'migflow-bench-orch-'));
try {
  const native = await NativeConnection.connect({ address });
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  const taskQueue = 'bench-orchestration';
  const worker = await Worker.create({
    connection: native,
    taskQueue,
    workflowsPath: fileURLToPath(new URL('./workflows.ts', import.meta.url)),
    activities: createActivities({
      projectRoot: PROJECT_ROOT,
      cache: new StageCache({ root: tmp, migflowVersion: 'bench' }),
      childEnv: {},
    }),
  });
  const input = { kind: 'coder' as const, inputs: sampleInputs('coder') };
  const figures = await worker.runUntil(async () => {
    // Warm the cache and the workflow sandbox.
    await client.workflow.execute('DatasetWorkflow', {
      taskQueue,
      workflowId: 'warm',
      args: [{ datasets: [input] }],
    });
    const probe = (await client.workflow.execute('ActivityRoundTripProbe', {
      taskQueue,
      workflowId: 'probe',
      args: [input, runs],
    })) as { roundTripMs: number[]; inActivityMs: number[] };
    // Round trip as the server records it: activity scheduled → the workflow task that receives its result starts.
    const events = (await client.workflow.getHandle('probe').fetchHistory()).events ?? [];
    const at = (e: (typeof events)[number]) =>
      Number(e.eventTime?.seconds ?? 0) * 1000 + Number(e.eventTime?.nanos ?? 0) / 1e6;
    const historyMs: number[] = [];
    let scheduledAt: number | undefined;
    let completed = false;
    for (const e of events) {
      if (e.activityTaskScheduledEventAttributes) scheduledAt = at(e);
      else if (e.activityTaskCompletedEventAttributes) completed = true;
      else if (e.workflowTaskStartedEventAttributes && completed && scheduledAt !== undefined) {
        historyMs.push(at(e) - scheduledAt);
        completed = false;
      }
    }
    const rerunMs: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t0 = performance.now();
      await client.workflow.execute('DatasetWorkflow', {
        taskQueue,
        workflowId: `rerun-${i}`,
        args: [{ datasets: [input] }],
      });
      rerunMs.push(performance.now() - t0);
    }
    return {
      activityMs: historyMs,
      workflowClockMs: probe.roundTripMs,
      inActivityMs: probe.inActivityMs,
      rerunMs,
    };
  });
  const a = [...figures.activityMs].sort((x, y) => x - y);
  const r = [...figures.rerunMs].sort((x, y) => x - y);
  const inside = [...figures.inActivityMs].sort((x, y) => x - y);
  const wfClock = [...figures.workflowClockMs].sort((x, y) => x - y);
  const round = (x: number) => Math.round(x * 10) / 10;
  const out = {
    bench: 'orchestration',
    cacheHitActivityRoundTripMs: {
      runs: a.length,
      p50: round(quantileSorted(a, 0.5)),
      p95: round(quantileSorted(a, 0.95)),
      max: round(a.at(-1)!),
    },
    // The workflow's own clock only advances per activation and overstates the round trip; kept for comparison.
    workflowClockRoundTripMs: {
      p50: round(quantileSorted(wfClock, 0.5)),
      p95: round(quantileSorted(wfClock, 0.95)),
    },
    cacheHitInsideActivityMs: {
      p50: round(quantileSorted(inside, 0.5)),
      p95: round(quantileSorted(inside, 0.95)),
    },
    cachedDatasetWorkflowRerunMs: {
      runs: r.length,
      p50: round(quantileSorted(r, 0.5)),
      p95: round(quantileSorted(r, 0.95)),
    },
    targets: { cacheHitActivityP50Ms: 20, cachedDatasetWorkflowRerunMs: 1000 },
    met: { activity: quantileSorted(a, 0.5) < 20, rerun: quantileSorted(r, 0.5) < 1000 },
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
  await connection.close();
  await native.close();
} finally {
  await server.stop();
  rmSync(tmp, { recursive: true, force: true });
}
