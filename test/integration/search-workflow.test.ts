/**
 * SearchWorkflow against a real dev server with two GPU-pinned workers (emulated GPUs, the real createGpuWorker
 * wiring): a 6-trial TPE search with ASHA stops at least one trial early (a cancelled child in the server's
 * history), never runs two trials on one GPU queue, and a second search on the same study with a budget of 8 runs
 * only the 2 new trials. A search terminated mid-way and started again resumes from its study file.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SearchResult, SearchWorkflowInput } from '../../contracts/index.js';
import type { RunReport } from '../../core/report/index.js';
import { eventMs, maxOverlap } from '../helpers/overlap.js';
import { startTestWorker, useTestTemporal } from '../helpers/start-test-worker.js';
import { uniqueQueue } from '../helpers/temporal.js';
import { emulatedGpuWorker, privateGpuIndex, TINY_TRAINING } from '../helpers/train.js';

const temporal = useTestTemporal('migflow-search-it-');

const SEARCH_YAML = [
  'search_space:',
  '  training.reward.affinity_bonus_weight: {low: 0.0, high: 1.0}',
  '  training.PPO.ent_coef: {low: 0.001, high: 0.1, log: true}',
  '  training.PPO.n_epochs: {low: 1, high: 3, type: int}',
  'sampler: {type: tpe, n_startup_trials: 3, seed: 7}',
  'budget: {trials: 6}',
  'pruner: {type: asha, min_steps: 128, reduction_factor: 2}',
  '',
].join('\n');

async function setup(name: string) {
  const queue = uniqueQueue(name);
  const artifacts = join(temporal.tmp, name);
  process.env.MIGFLOW_ARTIFACTS = artifacts;
  const searchFile = join(temporal.tmp, `${name}.yaml`);
  writeFileSync(searchFile, SEARCH_YAML);
  const gpus = [privateGpuIndex(), privateGpuIndex()];
  const gpuWorkers = await Promise.all(gpus.map((gpu) => emulatedGpuWorker(gpu)));
  const wfWorker = await startTestWorker(temporal, queue, artifacts);
  const input: SearchWorkflowInput = {
    searchConfig: searchFile,
    study: name,
    overrides: { ...TINY_TRAINING },
    // Long enough that a stop decided at an early rung reaches the trainer (through a heartbeat) before it ends.
    totalSteps: 4096,
    checkpointEverySteps: 128,
    heartbeatTimeoutS: 2,
    gpus,
    seed: 3,
  };
  const runAll = (body: () => Promise<void>) =>
    gpuWorkers[0]!.worker.runUntil(gpuWorkers[1]!.worker.runUntil(wfWorker.runUntil(body)));
  const close = () => Promise.all(gpuWorkers.map((w) => w.connection.close()));
  return { queue, artifacts, input, gpus, runAll, close };
}

describe('SearchWorkflow', () => {
  it('stops losing trials early with ASHA, keeps one trial per GPU queue, and extends a finished study by only the new trials', async () => {
    const { queue, artifacts, input, gpus, runAll, close } = await setup('asha');
    try {
      await runAll(async () => {
        const handle = await temporal.client.workflow.start('SearchWorkflow', {
          taskQueue: queue,
          workflowId: `${queue}/search`,
          args: [input],
        });
        const result = (await handle.result()) as SearchResult;
        expect(result.total).toBe(6);
        expect(result.started).toBe(6);
        expect(result.reused).toBe(0);
        expect(result.completed + result.pruned + result.failed).toBe(6);
        expect(result.failed).toBe(0);

        // From the server's history: six children started, at least one of them cancelled by the pruner.
        const events = (await handle.fetchHistory()).events ?? [];
        const initiated = events.filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes);
        expect(initiated).toHaveLength(6);
        const cancelled = events.filter((e) => e.childWorkflowExecutionCanceledEventAttributes);
        expect(cancelled.length).toBeGreaterThanOrEqual(1);
        expect(result.pruned).toBe(cancelled.length);
        for (const t of result.trials.filter((x) => x.status === 'pruned')) {
          // Stopped before its end, after losing at a rung.
          expect(t.steps).toBeLessThan(4096);
          expect(Object.keys(t.rungs).length).toBeGreaterThan(0);
        }
        for (const t of result.trials.filter((x) => x.status === 'completed')) {
          expect(t.steps).toBe(4096);
          expect(t.bestCheckpoint?.startsWith(t.dir!)).toBe(true);
          expect(t.curve.length).toBeGreaterThan(0);
        }

        // Per GPU queue, the children's lifetimes (start → close) never overlap.
        const childOf = new Map<string, { start?: number; end?: number }>();
        for (const e of events) {
          const started = e.childWorkflowExecutionStartedEventAttributes;
          const closed =
            e.childWorkflowExecutionCompletedEventAttributes ??
            e.childWorkflowExecutionCanceledEventAttributes ??
            e.childWorkflowExecutionFailedEventAttributes;
          const attrs = started ?? closed;
          const id = attrs?.workflowExecution?.workflowId;
          if (!id) continue;
          const entry = childOf.get(id) ?? {};
          if (started) entry.start = eventMs(e.eventTime);
          else entry.end = eventMs(e.eventTime);
          childOf.set(id, entry);
        }
        expect(childOf.size).toBe(6);
        for (const gpu of gpus) {
          const intervals = result.trials
            .filter((t) => t.gpu === gpu)
            .map((t) => childOf.get(t.workflowId!)!)
            .map((i) => ({ start: i.start!, end: i.end! }));
          expect(intervals.length).toBeGreaterThan(0);
          expect(maxOverlap(intervals)).toBe(1);
        }

        // The study file holds every trial.
        const study = JSON.parse(readFileSync(result.studyFile, 'utf8')) as { trials: unknown[] };
        expect(result.studyFile.startsWith(artifacts)).toBe(true);
        expect(study.trials).toHaveLength(6);
        // …and the run report beside it names every trial with its status and value, and the best one.
        const report = JSON.parse(
          readFileSync(join(dirname(result.studyFile), 'report.json'), 'utf8'),
        ) as RunReport;
        expect(report.kind).toBe('search');
        expect(report.trials!.map((t) => [t.trialKey, t.status])).toEqual(
          result.trials.map((t) => [t.trialKey, t.status]),
        );
        expect(report.trials!.filter((t) => t.status === 'pruned')).toHaveLength(result.pruned);
        expect(report.trials!.find((t) => t.best)?.trialKey).toBe(result.best?.trialKey);
        expect(readFileSync(join(dirname(result.studyFile), 'report.html'), 'utf8')).toContain(
          '<section id="trials">',
        );

        // Extending the finished study to 8 trials runs 2 children only.
        const more = temporal.client.workflow.getHandle(
          (
            await temporal.client.workflow.start('SearchWorkflow', {
              taskQueue: queue,
              workflowId: `${queue}/search-more`,
              args: [{ ...input, trials: 8 }],
            })
          ).workflowId,
        );
        const extended = (await more.result()) as SearchResult;
        expect(extended.total).toBe(8);
        expect(extended.reused).toBe(6);
        expect(extended.started).toBe(2);
        const moreEvents = (await more.fetchHistory()).events ?? [];
        expect(moreEvents.filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes)).toHaveLength(
          2,
        );
        expect(extended.trials.slice(0, 6).map((t) => [t.trialKey, t.status])).toEqual(
          result.trials.map((t) => [t.trialKey, t.status]),
        );
        expect(new Set(extended.trials.map((t) => t.trialKey)).size).toBe(8);
      });
    } finally {
      await close();
    }
  }, 600_000);

  it('resumes a terminated search from its study file: finished trials are not run again', async () => {
    const { queue, input, runAll, close } = await setup('resume');
    const noPruning = join(temporal.tmp, 'resume-none.yaml');
    writeFileSync(
      noPruning,
      SEARCH_YAML.replace(
        'pruner: {type: asha, min_steps: 128, reduction_factor: 2}',
        'pruner: {type: none}',
      ),
    );
    const first = { ...input, searchConfig: noPruning, trials: 4, totalSteps: 256 };
    try {
      await runAll(async () => {
        const handle = await temporal.client.workflow.start('SearchWorkflow', {
          taskQueue: queue,
          workflowId: `${queue}/search`,
          args: [first],
        });
        // Wait until at least one trial has finished, then kill the search outright.
        const deadline = Date.now() + 240_000;
        for (;;) {
          const s = (await handle.query('searchStatus')) as SearchResult;
          if (s.completed >= 1 && s.completed < 4) break;
          if (s.completed >= 4 || Date.now() > deadline)
            throw new Error(`no point to stop at: ${JSON.stringify(s)}`);
          await new Promise((r) => setTimeout(r, 200));
        }
        await handle.terminate('test: the search is stopped mid-way');
        // What the study file says at the kill is what a new search can know (the workflow may have been ahead of it).
        const studyFile = join(temporal.tmp, 'resume', 'search', 'resume', 'study.json');
        const before = JSON.parse(readFileSync(studyFile, 'utf8')) as SearchResult;
        const finishedBefore = before.trials.filter((t) => t.status === 'completed').map((t) => t.trialKey);
        expect(finishedBefore.length).toBeGreaterThanOrEqual(1);

        const again = temporal.client.workflow.getHandle(
          (
            await temporal.client.workflow.start('SearchWorkflow', {
              taskQueue: queue,
              workflowId: `${queue}/search-again`,
              args: [first],
            })
          ).workflowId,
        );
        const result = (await again.result()) as SearchResult;
        expect(result.total).toBe(4);
        expect(result.completed).toBe(4);
        expect(result.reused).toBe(finishedBefore.length);
        expect(result.started).toBe(4 - result.reused);
        // The trials the first run had finished keep their keys; only the rest ran as children of the second.
        expect(result.trials.filter((t) => finishedBefore.includes(t.trialKey))).toHaveLength(
          finishedBefore.length,
        );
        const events = (await again.fetchHistory()).events ?? [];
        const children = events
          .map((e) => e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId)
          .filter((id): id is string => !!id);
        expect(children).toHaveLength(result.started);
        for (const key of finishedBefore) expect(children.some((id) => id.endsWith(key))).toBe(false);
      });
    } finally {
      await close();
    }
  }, 600_000);
});
