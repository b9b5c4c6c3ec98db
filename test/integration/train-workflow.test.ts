/**
 * TrainWorkflow against a real dev server and a real GPU-worker process (emulated GPU): the worker is killed with
 * SIGKILL mid-training, a new one takes over, and the run resumes from the last checkpoint the heartbeat carried.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, inject, it } from 'vitest';
import { startWorkerProcess } from '../../cli/lib/worker-processes.js';
import type { TrainWorkflowInput, TrainWorkflowResult } from '../../contracts/index.js';
import { GPU, gpuTaskQueue, STAGE, trainProgressQuery } from '../../contracts/temporal/index.js';
import { readCheckpoint } from '../../core/rl/index.js';
import { autoNEnvs } from '../../core/stages/train/index.js';
import { pollUntil } from '../helpers/poll.js';
import { startTestWorker, useTestTemporal } from '../helpers/start-test-worker.js';
import { uniqueQueue } from '../helpers/temporal.js';
import {
  emulatedGpuWorker,
  privateGpuIndex,
  processesWith,
  TINY_TRAINING,
  waitForHeartbeat,
} from '../helpers/train.js';

const temporal = useTestTemporal('migflow-train-it-');

function gpuWorkerEnv(artifacts: string): Record<string, string> {
  return {
    ...process.env,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_NAMESPACE: inject('temporalNamespace'),
    MIGFLOW_ARTIFACTS: artifacts,
  } as Record<string, string>;
}

describe('TrainWorkflow crash drill', () => {
  it('continues from the last checkpoint after its GPU worker is killed with SIGKILL, ending at the configured total; an unchanged re-run is a cache hit', async () => {
    const queue = uniqueQueue('train-crash');
    const artifacts = join(temporal.tmp, 'crash');
    const gpu = privateGpuIndex();
    // Long enough that an idle machine (over a thousand tiny-net steps a second) cannot finish between two 1 s
    // heartbeats inside the kill window; a loaded one takes a minute or two.
    const totalSteps = 8192;
    const checkpointEverySteps = 512;
    const input: TrainWorkflowInput = {
      overrides: { ...TINY_TRAINING },
      totalSteps,
      checkpointEverySteps,
      seed: 7,
      gpu,
      heartbeatTimeoutS: 3,
    };
    const env = gpuWorkerEnv(artifacts);
    const wfWorker = await startTestWorker(temporal, queue, artifacts);
    await wfWorker.runUntil(async () => {
      const first = await startWorkerProcess('gpu-worker', ['--gpu', String(gpu), '--emulate'], env);
      const handle = await temporal.client.workflow.start('TrainWorkflow', {
        taskQueue: queue,
        workflowId: `${queue}/run`,
        args: [input],
      });
      // Kill the worker once the server holds a heartbeat naming a checkpoint that is not the last one.
      const atKill = await waitForHeartbeat(
        handle,
        (h) =>
          !!h.lastCheckpoint &&
          h.steps >= checkpointEverySteps &&
          h.steps < totalSteps - checkpointEverySteps,
      );
      // The activity reports progress to its workflow (Web UI current details, the CLI's bar).
      // Against a deadline, not a count of tries: each query is a round trip through the server, slower under load.
      let live = await handle.query(trainProgressQuery);
      await pollUntil(async () => {
        live = await handle.query(trainProgressQuery);
        return !!live.lastCheckpoint;
      }, 60_000);
      expect(live.phase).toBe('training');
      expect(live.steps).toBeGreaterThan(0);
      expect(live.lastCheckpoint).toMatch(/rl_model_\d+_steps$/);
      const runDir = atKill.lastCheckpoint!.replace(/\/checkpoints\/.*$/, '');
      expect(processesWith('train-child', runDir)).toHaveLength(1);
      await first.kill();
      // The orphaned trainer notices its parent is gone and exits (it would otherwise hold the GPU).
      await pollUntil(() => processesWith('train-child', runDir).length === 0, 60_000);
      expect(processesWith('train-child', runDir)).toEqual([]);
      const killedCheckpointSteps = Number(/rl_model_(\d+)_steps/.exec(atKill.lastCheckpoint!)![1]);
      expect(killedCheckpointSteps).toBeGreaterThanOrEqual(checkpointEverySteps);

      const second = await startWorkerProcess('gpu-worker', ['--gpu', String(gpu), '--emulate'], env);
      try {
        const result = (await handle.result()) as TrainWorkflowResult;
        // The attempt that finished is a retry that started from a checkpoint, not from step 0 …
        expect(result.attempt).toBeGreaterThanOrEqual(2);
        expect(result.resumedFromSteps).not.toBeNull();
        expect(result.resumedFromSteps!).toBeGreaterThanOrEqual(killedCheckpointSteps);
        // The orphaned trainer checkpointed its exact state before exiting: no step the server saw is redone.
        expect(result.resumedFromSteps!).toBeGreaterThanOrEqual(atKill.steps);
        expect(result.resumedFromSteps!).toBeLessThan(totalSteps);
        // … and the step counter went on to the configured total, not a full total on top.
        expect(result.steps).toBe(totalSteps);
        expect(result.hit).toBe(false);
        expect(existsSync(result.finalCheckpoint)).toBe(true);
        expect(existsSync(result.bestCheckpoint)).toBe(true);
        // The published run holds the checkpoints of both attempts, in one run directory.
        const ckpts = readdirSync(join(result.dir, 'checkpoints')).filter((n) => n.startsWith('rl_model_'));
        expect(ckpts).toContain(`rl_model_${totalSteps - checkpointEverySteps}_steps`);
        expect(ckpts).toContain(`rl_model_${killedCheckpointSteps}_steps`);
        // Published, the resumable run directory is gone (nothing is left to resume from it).
        expect(existsSync(runDir)).toBe(false);

        const progress = await handle.query(trainProgressQuery);
        expect(progress.phase).toBe('done');
        expect(progress.steps).toBe(totalSteps);
        const desc = await handle.describe();
        expect(desc.typedSearchAttributes.get(STAGE)).toBe('train');
        expect(desc.typedSearchAttributes.get(GPU)).toBe(gpuTaskQueue(gpu));

        const again = (await temporal.client.workflow.execute('TrainWorkflow', {
          taskQueue: queue,
          workflowId: `${queue}/again`,
          args: [input],
        })) as TrainWorkflowResult;
        expect(again.hit).toBe(true);
        expect(again.cacheKey).toBe(result.cacheKey);
        expect(again.steps).toBe(totalSteps);
      } finally {
        await second.stop();
      }
    });
  }, 300_000);

  it('fails without retrying, naming the field, when an override names no training config field', async () => {
    const queue = uniqueQueue('train-bad-override');
    const artifacts = join(temporal.tmp, 'bad');
    const gpu = privateGpuIndex();
    const wfWorker = await startTestWorker(temporal, queue, artifacts);
    process.env.MIGFLOW_ARTIFACTS = artifacts;
    const { worker: gpuWorker, connection: gpuConn } = await emulatedGpuWorker(gpu);
    try {
      const err = await gpuWorker
        .runUntil(
          wfWorker.runUntil(
            temporal.client.workflow.execute('TrainWorkflow', {
              taskQueue: queue,
              workflowId: `${queue}/run`,
              args: [{ overrides: { ...TINY_TRAINING, 'training.PPO.n_stepz': 64 }, totalSteps: 256, gpu }],
            }),
          ),
        )
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      const cause = (err as WorkflowFailedError).cause?.cause;
      expect(cause).toBeInstanceOf(ApplicationFailure);
      expect((cause as ApplicationFailure).type).toBe('ConfigError');
      expect((cause as ApplicationFailure).nonRetryable).toBe(true);
      expect((cause as ApplicationFailure).message).toContain('n_stepz');
      const history = await temporal.client.workflow.getHandle(`${queue}/run`).fetchHistory();
      const started = history.events?.filter((e) => e.activityTaskStartedEventAttributes) ?? [];
      expect(started.map((e) => e.activityTaskStartedEventAttributes?.attempt)).toEqual([1]);
    } finally {
      await gpuConn.close();
    }
  }, 120_000);

  it('passes n_envs (auto = the GPU worker’s cores) and a warm start to the trainer, and keys the cache on both', async () => {
    const queue = uniqueQueue('train-nenvs-warm');
    const artifacts = join(temporal.tmp, 'nenvs-warm');
    const gpu = privateGpuIndex();
    const wfWorker = await startTestWorker(temporal, queue, artifacts);
    process.env.MIGFLOW_ARTIFACTS = artifacts;
    const { worker: gpuWorker, connection: gpuConn } = await emulatedGpuWorker(gpu);
    const nEnvs = autoNEnvs();
    const base: TrainWorkflowInput = {
      overrides: { ...TINY_TRAINING },
      totalSteps: 128 * nEnvs,
      seed: 5,
      gpu,
    };
    try {
      const [warm, plain] = (await gpuWorker.runUntil(
        wfWorker.runUntil(
          Promise.all([
            temporal.client.workflow.execute('TrainWorkflow', {
              taskQueue: queue,
              workflowId: `${queue}/warm`,
              args: [{ ...base, nEnvs: 'auto', warmStart: 'heuristic', warmStartSteps: 64 }],
            }),
            temporal.client.workflow.execute('TrainWorkflow', {
              taskQueue: queue,
              workflowId: `${queue}/plain`,
              args: [{ ...base, nEnvs: 'auto' }],
            }),
          ]),
        ),
      )) as TrainWorkflowResult[];
      expect(warm!.cacheKey).not.toBe(plain!.cacheKey);
      const meta = JSON.parse(readFileSync(join(warm!.dir, 'run.json'), 'utf8')) as {
        overrides: Record<string, unknown>;
        warmStart?: { teacher: string; steps: number };
      };
      expect(meta.overrides['training.PPO.n_envs']).toBe(nEnvs);
      expect(meta.warmStart).toMatchObject({ teacher: 'heuristic', steps: 64 });
      const plainMeta = JSON.parse(readFileSync(join(plain!.dir, 'run.json'), 'utf8')) as object;
      expect(plainMeta).not.toHaveProperty('warmStart');
      const trainer = (readCheckpoint(warm!.finalCheckpoint).meta.trainer as { nEnvs?: number }).nEnvs ?? 1;
      expect(trainer).toBe(nEnvs);
    } finally {
      await gpuConn.close();
    }
  }, 300_000);
});
