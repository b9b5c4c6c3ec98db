/**
 * Live status that is true: during a training through a real dev server and a real GPU-worker process, the
 * heartbeat `temporal workflow describe` shows is never more than 10 s behind the trainer's own step count (read
 * from the run's logs/episodes.jsonl as the trainer writes it), even with a 60 s heartbeat timeout, whose SDK-default
 * throttle (48 s) used to leave `steps: 0` on screen for most of a run.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { startWorkerProcess } from '../../cli/lib/worker-processes.js';
import type { TrainWorkflowInput, TrainWorkflowResult } from '../../contracts/index.js';
import { WORK_DIR } from '../../core/cache/index.js';
import { startTestWorker, useTestTemporal } from '../helpers/start-test-worker.js';
import { uniqueQueue } from '../helpers/temporal.js';
import { pendingHeartbeat, privateGpuIndex, TINY_TRAINING } from '../helpers/train.js';

const t = useTestTemporal('migflow-live-status-');

/** The trainer's own count: the steps of the last finished episode in the running attempt's episodes.jsonl. */
function trainerSteps(artifacts: string): number | undefined {
  const work = join(artifacts, 'train', WORK_DIR);
  if (!existsSync(work)) return undefined;
  let steps: number | undefined;
  for (const run of readdirSync(work)) {
    const file = join(work, run, 'logs', 'episodes.jsonl');
    if (!existsSync(file)) continue;
    const lines = readFileSync(file, 'utf8').trim().split('\n').filter(Boolean);
    const last = lines.at(-1);
    if (last) steps = Math.max(steps ?? 0, (JSON.parse(last) as { steps: number }).steps);
  }
  return steps;
}

describe('TrainWorkflow live status', () => {
  it("describe's heartbeat steps stay within 10 s of the trainer's own count", async () => {
    const queue = uniqueQueue('train-live');
    const artifacts = join(t.tmp, 'artifacts');
    const gpu = privateGpuIndex();
    const input: TrainWorkflowInput = {
      overrides: { ...TINY_TRAINING },
      // Long enough to compare over 10 s even on an idle machine (over a thousand tiny-net steps a second: ~20 s);
      // a loaded 2-core machine takes a couple of minutes.
      totalSteps: 24_576,
      // One environment: the GPU worker's default (one per core) would finish too fast to compare on 2 cores.
      nEnvs: 1,
      checkpointEverySteps: 8192,
      seed: 3,
      gpu,
      heartbeatTimeoutS: 60,
    };
    const wfWorker = await startTestWorker(t, queue, artifacts);
    const env = {
      ...process.env,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_NAMESPACE: inject('temporalNamespace'),
      MIGFLOW_ARTIFACTS: artifacts,
    } as Record<string, string>;
    await wfWorker.runUntil(async () => {
      const gpuWorker = await startWorkerProcess('gpu-worker', ['--gpu', String(gpu), '--emulate'], env);
      try {
        const handle = await t.client.workflow.start('TrainWorkflow', {
          taskQueue: queue,
          workflowId: `${queue}/run`,
          args: [input],
        });
        // (time, trainer's count) samples, and each comparison made.
        const truth: { at: number; steps: number }[] = [];
        const checks: { at: number; heartbeat: number; trainer10sAgo: number }[] = [];
        for (;;) {
          const d = await handle.describe();
          if (d.status.name !== 'RUNNING') break;
          const now = Date.now();
          const own = trainerSteps(artifacts);
          if (own !== undefined) truth.push({ at: now, steps: own });
          const hb = await pendingHeartbeat(handle);
          const before = truth.filter((t) => t.at <= now - 10_000).at(-1);
          if (hb && before) checks.push({ at: now, heartbeat: hb.steps, trainer10sAgo: before.steps });
          await new Promise((r) => setTimeout(r, 500));
        }
        const result = (await handle.result()) as TrainWorkflowResult;
        expect(result.steps).toBe(input.totalSteps);
        // The run lasted long enough to compare at all.
        expect(checks.length, JSON.stringify(truth.slice(-3))).toBeGreaterThan(5);
        const stale = checks.filter((c) => c.heartbeat < c.trainer10sAgo);
        expect(stale, JSON.stringify(stale.slice(0, 3))).toEqual([]);
        // And it moved: no long stretch of `steps: 0` while the trainer was past its first episodes.
        expect(checks.some((c) => c.heartbeat > 0 && c.trainer10sAgo > 0)).toBe(true);
      } finally {
        await gpuWorker.kill();
      }
    });
  }, 600_000);
});
