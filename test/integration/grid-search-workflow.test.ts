/**
 * GridSearchWorkflow against a real dev server with two GPU-pinned workers (emulated GPUs, the real
 * createGpuWorker wiring): a 2×2 grid runs four child TrainWorkflows, never more than two at once, each trial's
 * config snapshot holds its own values, and re-running the grid is all cache hits.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { GridSearchInput, GridSearchResult } from '../../contracts/index.js';
import { GPU, gpuTaskQueue, STAGE, TRIAL } from '../../contracts/temporal/index.js';
import { eventMs, maxOverlap } from '../helpers/overlap.js';
import { startTestWorker, useTestTemporal } from '../helpers/start-test-worker.js';
import { uniqueQueue } from '../helpers/temporal.js';
import { emulatedGpuWorker, privateGpuIndex, TINY_TRAINING } from '../helpers/train.js';

const temporal = useTestTemporal('migflow-grid-it-');

function getIn(obj: unknown, dotted: string): unknown {
  return dotted.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)?.[k], obj);
}

describe('GridSearchWorkflow', () => {
  it('runs a 2×2 grid as four trials on two GPU queues, at most two at a time, each with its own values, and re-runs from the cache', async () => {
    const queue = uniqueQueue('grid');
    const artifacts = join(temporal.tmp, 'grid');
    process.env.MIGFLOW_ARTIFACTS = artifacts;
    const gridFile = join(temporal.tmp, 'grid_search.yaml');
    writeFileSync(
      gridFile,
      [
        'training:',
        '  reward:',
        '    affinity_bonus_weight: [0.1, 0.3]',
        '  PPO:',
        '    ent_coef: [0.0, 0.01]',
        '',
      ].join('\n'),
    );
    const gpus = [privateGpuIndex(), privateGpuIndex()];
    const gpuWorkers = await Promise.all(gpus.map((gpu) => emulatedGpuWorker(gpu)));
    const wfWorker = await startTestWorker(temporal, queue, artifacts);
    const input: GridSearchInput = {
      gridConfig: gridFile,
      // With the held-out evaluation on, every trial carries it and it (not the training reward) ranks the trials.
      overrides: { ...TINY_TRAINING, 'training.evaluation': { decisions: 32, episodes: 1 } },
      totalSteps: 256,
      checkpointEverySteps: 128,
      gpus,
      seed: 3,
    };
    // A worker runs once: all three serve the whole test.
    const runAll = (body: () => Promise<void>) =>
      gpuWorkers[0]!.worker.runUntil(gpuWorkers[1]!.worker.runUntil(wfWorker.runUntil(body)));
    try {
      await runAll(async () => {
        const result = (await temporal.client.workflow.execute('GridSearchWorkflow', {
          taskQueue: queue,
          workflowId: `${queue}/grid`,
          args: [input],
        })) as GridSearchResult;

        expect(result.total).toBe(4);
        expect(result.completed).toBe(4);
        expect(result.failed).toBe(0);
        const combos = result.trials.map((t) => [
          t.params['training.reward.affinity_bonus_weight'],
          t.params['training.PPO.ent_coef'],
        ]);
        expect(combos).toEqual([
          [0.1, 0.0],
          [0.1, 0.01],
          [0.3, 0.0],
          [0.3, 0.01],
        ]);
        expect(new Set(result.trials.map((t) => t.trialKey)).size).toBe(4);

        const intervals: { start: number; end: number }[] = [];
        for (const t of result.trials) {
          expect(t.workflowId).toBe(`${queue}/grid/train/${t.trialKey}`);
          // The trial's config snapshot is what it trained with: its own grid values and the grid-wide overrides.
          const snapshot = parseYaml(readFileSync(join(t.dir!, 'snapshots', 'training_config.yaml'), 'utf8'));
          for (const [k, v] of Object.entries(t.params)) expect(getIn(snapshot, k)).toEqual(v);
          expect(getIn(snapshot, 'training.PPO.net_arch.pi')).toEqual([16]);
          expect(t.bestCheckpoint?.startsWith(t.dir!)).toBe(true);
          // Its trainer process saw exactly the GPU of the worker that ran it.
          expect(t.cudaVisibleDevices).toBe(String(t.gpu));
          expect(t.hit).toBe(false);

          const child = temporal.client.workflow.getHandle(t.workflowId);
          const desc = await child.describe();
          expect(desc.typedSearchAttributes.get(STAGE)).toBe('train');
          expect(desc.typedSearchAttributes.get(TRIAL)).toBe(t.trialKey);
          expect(desc.typedSearchAttributes.get(GPU)).toBe(gpuTaskQueue(t.gpu!));
          // When the training activity really ran, from the server's own history of the child.
          const events = (await child.fetchHistory()).events ?? [];
          const started = events.find((e) => e.activityTaskStartedEventAttributes);
          const closed = events.find((e) => e.activityTaskCompletedEventAttributes);
          intervals.push({ start: eventMs(started?.eventTime), end: eventMs(closed?.eventTime) });
        }
        // Both GPUs were used, and never more than one trial each at a time.
        expect(new Set(result.trials.map((t) => t.gpu))).toEqual(new Set(gpus));
        expect(maxOverlap(intervals)).toBe(2);
        expect(result.table).toContain(result.trials[0]!.trialKey);
        for (const t of result.trials) {
          expect(t.bestBy).toBe('eval_reward');
          expect(Number.isFinite(t.evalReward)).toBe(true);
        }
        const top = Math.max(...result.trials.map((t) => t.evalReward!));
        const starred = result.table.split('\n').filter((l) => l.startsWith('| ★ '));
        expect(starred).toHaveLength(1);
        expect(starred[0]).toContain(result.trials.find((t) => t.evalReward === top)!.trialKey);
        expect(result.table.split('\n')[0]).toContain('| train reward | eval reward (★ ranks) |');

        const again = (await temporal.client.workflow.execute('GridSearchWorkflow', {
          taskQueue: queue,
          workflowId: `${queue}/grid-again`,
          args: [input],
        })) as GridSearchResult;
        expect(again.completed).toBe(4);
        expect(again.trials.every((t) => t.hit)).toBe(true);
        expect(again.trials.map((t) => t.trialKey)).toEqual(result.trials.map((t) => t.trialKey));
        // The cache keeps the evaluation reward: a re-run ranks the same way.
        expect(again.trials.map((t) => t.evalReward)).toEqual(result.trials.map((t) => t.evalReward));
        const starredAgain = again.table.split('\n').filter((l) => l.startsWith('| ★ '));
        expect(starredAgain.map((l) => l.split(' | ')[1])).toEqual(starred.map((l) => l.split(' | ')[1]));
      });
    } finally {
      await Promise.all(gpuWorkers.map((w) => w.connection.close()));
    }
  }, 400_000);

  it('reports a trial that fails and still finishes the others', async () => {
    const queue = uniqueQueue('grid-one-fails');
    const artifacts = join(temporal.tmp, 'one-fails');
    process.env.MIGFLOW_ARTIFACTS = artifacts;
    const gridFile = join(temporal.tmp, 'one_fails.yaml');
    // Both Q tables pass the schema; the second lacks instances the A100 cluster serves on, which only the run checks.
    writeFileSync(
      gridFile,
      [
        'training:',
        '  reward:',
        '    Q:',
        '      CodingAgent:',
        '        - {7g.40gb: 10.0, 4g.20gb: 5.0, 3g.20gb: 5.0, 2g.10gb: 1.0, 1g.10gb: 1.0}',
        '        - {7g.40gb: 10.0}',
        '',
      ].join('\n'),
    );
    const gpu = privateGpuIndex();
    const gpuWorker = await emulatedGpuWorker(gpu);
    const wfWorker = await startTestWorker(temporal, queue, artifacts);
    try {
      const result = (await gpuWorker.worker.runUntil(
        wfWorker.runUntil(
          temporal.client.workflow.execute('GridSearchWorkflow', {
            taskQueue: queue,
            workflowId: `${queue}/grid`,
            args: [
              {
                gridConfig: gridFile,
                overrides: { ...TINY_TRAINING },
                totalSteps: 128,
                gpus: [gpu],
              } satisfies GridSearchInput,
            ],
          }),
        ),
      )) as GridSearchResult;
      expect(result.total).toBe(2);
      expect(result.completed).toBe(1);
      expect(result.failed).toBe(1);
      const [ok, bad] = result.trials;
      expect(ok!.status).toBe('completed');
      expect(ok!.bestCheckpoint).toBeTruthy();
      expect(bad!.status).toBe('failed');
      expect(bad!.error).toMatch(/no Q value for \S+/);
      expect(result.table).toContain(bad!.error!);
    } finally {
      await gpuWorker.connection.close();
    }
  }, 300_000);

  it('fails before any trial starts, naming the grid file and field, when a swept value is out of range', async () => {
    const queue = uniqueQueue('grid-bad');
    const gridFile = join(temporal.tmp, 'bad_grid.yaml');
    writeFileSync(gridFile, 'training:\n  PPO:\n    n_steps: [64, -1]\n');
    const wfWorker = await startTestWorker(temporal, queue, join(temporal.tmp, 'bad'));
    const err = await wfWorker
      .runUntil(
        temporal.client.workflow.execute('GridSearchWorkflow', {
          taskQueue: queue,
          workflowId: `${queue}/grid`,
          args: [{ gridConfig: gridFile, gpus: [privateGpuIndex()] }],
        }),
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause?.cause as ApplicationFailure;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect(cause.type).toBe('ConfigError');
    expect(cause.nonRetryable).toBe(true);
    expect(cause.message).toContain('bad_grid.yaml');
    expect(cause.message).toContain('n_steps');
    const history = await temporal.client.workflow.getHandle(`${queue}/grid`).fetchHistory();
    expect(history.events?.some((e) => e.startChildWorkflowExecutionInitiatedEventAttributes)).toBe(false);
  });
});
