/** BenchWorkflow on a real dev server: one cached activity per policy, order-independent numbers, cache hits on re-run. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import type { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { collectBenchOutputs } from '../../cli/lib/bench-workflow.js';
import type { BenchWorkflowResult } from '../../contracts/index.js';
import { loadTrainingConfig } from '../../core/config/training.js';
import { observationLayout } from '../../core/control/observation-layout.js';
import { actionCount } from '../../core/mig/actions.js';
import { startTestWorker, useTestTemporal } from '../helpers/start-test-worker.js';
import { uniqueQueue } from '../helpers/temporal.js';
import { writeLinearCheckpoint } from '../unit/bench/checkpoint-fixture.js';

const temporal = useTestTemporal('migflow-bench-it-');

describe('BenchWorkflow', () => {
  it('gives every policy the same trace, identical numbers in any order, and cache hits on a re-run', async () => {
    const queue = uniqueQueue('bench');
    const run = async (policies: string[], id: string, artifacts: string) => {
      const w = await startTestWorker(temporal, queue, artifacts);
      return w.runUntil(
        temporal.client.workflow.execute('BenchWorkflow', {
          taskQueue: queue,
          workflowId: `${queue}/${id}`,
          args: [{ policies, steps: 16, syntheticTokens: true }],
        }) as Promise<BenchWorkflowResult>,
      );
    };
    const a = await run(['static_no_mig', 'heuristic'], 'a', join(temporal.tmp, 'a'));
    const b = await run(['heuristic', 'static_no_mig'], 'b', join(temporal.tmp, 'b'));
    expect(a.results.every((r) => !r.hit)).toBe(true);
    expect(new Set([...a.results, ...b.results].map((r) => r.totalRequests)).size).toBe(1);
    const byPolicy = (r: BenchWorkflowResult) =>
      Object.fromEntries(r.results.map((x) => [x.policy, x.entry]));
    expect(byPolicy(b)).toEqual(byPolicy(a));
    const again = await run(['static_no_mig', 'heuristic'], 'again', join(temporal.tmp, 'a'));
    expect(again.results.map((r) => r.hit)).toEqual([true, true]);
    expect(byPolicy(again)).toEqual(byPolicy(a));
  });

  it('start: common passes through to every trial: one starting layout, the rule in the entries and files, its own cache entry', async () => {
    const queue = uniqueQueue('bench-common');
    const artifacts = join(temporal.tmp, 'common');
    const run = async (start: 'own' | 'common', id: string) => {
      const w = await startTestWorker(temporal, queue, artifacts);
      return w.runUntil(
        temporal.client.workflow.execute('BenchWorkflow', {
          taskQueue: queue,
          workflowId: `${queue}/${id}`,
          args: [{ policies: ['static_split_extreme', 'heuristic'], steps: 8, syntheticTokens: true, start }],
        }) as Promise<BenchWorkflowResult>,
      );
    };
    const common = await run('common', 'common');
    expect(common.results.map((r) => r.entry.start)).toEqual(['common', 'common']);
    const out = join(temporal.tmp, 'common-out');
    expect(collectBenchOutputs(common, out)).toContain('Start rule: common');
    const initial = (name: string) =>
      (JSON.parse(readFileSync(join(out, `results_${name}.json`), 'utf8')) as { initialState: unknown })
        .initialState;
    expect(initial('STATIC_SPLIT_EXTREME')).toEqual(initial('BASELINE_HEURISTIC'));
    // The reference's rule is another cache entry with other numbers.
    const own = await run('own', 'own');
    expect(own.results.map((r) => [r.entry.start, r.hit])).toEqual([
      ['own', false],
      ['own', false],
    ]);
    expect(own.results[0]!.entry.reward?.total).not.toBe(common.results[0]!.entry.reward?.total);
  });

  it('fails once, without retries, naming the file, when the bench config is broken', async () => {
    const queue = uniqueQueue('bench-bad');
    const bad = join(temporal.tmp, 'bench_config.yaml');
    writeFileSync(bad, 'seed: "seventy-seven"\n');
    const w = await startTestWorker(temporal, queue, join(temporal.tmp, 'bad'));
    const err = await w
      .runUntil(
        temporal.client.workflow.execute('BenchWorkflow', {
          taskQueue: queue,
          workflowId: `${queue}/bad`,
          args: [{ policies: ['heuristic'], steps: 4, benchConfig: bad }],
        }),
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = ((err as WorkflowFailedError).cause as ActivityFailure).cause as ApplicationFailure;
    expect(cause.type).toBe('ConfigError');
    expect(cause.nonRetryable).toBe(true);
    expect(cause.message).toContain('bench_config.yaml');
    const history = await temporal.client.workflow.getHandle(`${queue}/bad`).fetchHistory();
    const attempts = history.events
      ?.filter((e) => e.activityTaskStartedEventAttributes)
      .map((e) => e.activityTaskStartedEventAttributes?.attempt);
    expect(attempts).toEqual([1]);
  });

  it('runs an RL checkpoint before QAS, cached on the checkpoint, and gathers the table and figures', async () => {
    const queue = uniqueQueue('bench-rl');
    const obsSize = observationLayout(
      2,
      loadTrainingConfig('configs/training_config.yaml').arrivalRateHistoryLength,
    ).length;
    const bias = Array.from({ length: actionCount(2) }, (_, a) => (a === 0 ? -1000 : -a));
    const ckpt = writeLinearCheckpoint({ obsSize, actionCount: actionCount(2), bias });
    const run = async (id: string, checkpoint: string) => {
      const w = await startTestWorker(temporal, queue, join(temporal.tmp, 'rl'));
      return w.runUntil(
        temporal.client.workflow.execute('BenchWorkflow', {
          taskQueue: queue,
          workflowId: `${queue}/${id}`,
          args: [{ policies: ['qas'], checkpoints: [checkpoint], steps: 10, syntheticTokens: true }],
        }) as Promise<BenchWorkflowResult>,
      );
    };
    const first = await run('first', ckpt);
    expect(first.results.map((r) => [r.policy, r.hit])).toEqual([
      ['rl:run1-rl_model_5120_steps', false],
      ['qas', false],
    ]);
    const out = join(temporal.tmp, 'rl-out');
    const table = collectBenchOutputs(first, out);
    expect(table).toContain('rl:run1-rl_model_5120_steps');
    expect(table).toContain('qas');
    for (const name of ['run1-rl_model_5120_steps', 'BASELINE_QAS']) {
      expect(readFileSync(join(out, `results_${name}.txt`), 'utf8')).toContain('● Aggregate Metrics');
      for (const k of ['split', 'merge', 'transfer'])
        expect(existsSync(join(out, 'figs', name, `${k}.png`))).toBe(true);
    }
    expect(existsSync(join(out, 'comparison.txt'))).toBe(true);
    expect(existsSync(join(out, 'manifest.json'))).toBe(false);
    // Same checkpoint content elsewhere: a cache hit; a different checkpoint: a fresh trial.
    const copy = writeLinearCheckpoint({ obsSize, actionCount: actionCount(2), bias });
    const again = await run('again', copy);
    expect(again.results.map((r) => r.hit)).toEqual([true, true]);
    const other = writeLinearCheckpoint({
      obsSize,
      actionCount: actionCount(2),
      bias: bias.map((b, a) => (a === 0 ? 1 : b)),
    });
    const changed = await run('changed', other);
    expect(changed.results.map((r) => r.hit)).toEqual([false, true]);
  });

  it('a checkpoint from another observation size fails without retries, naming the checkpoint', async () => {
    const queue = uniqueQueue('bench-rl-bad');
    const ckpt = writeLinearCheckpoint({
      obsSize: 3,
      actionCount: actionCount(2),
      bias: new Array(actionCount(2)).fill(0),
    });
    const w = await startTestWorker(temporal, queue, join(temporal.tmp, 'rl-bad'));
    const err = await w
      .runUntil(
        temporal.client.workflow.execute('BenchWorkflow', {
          taskQueue: queue,
          workflowId: `${queue}/bad`,
          args: [{ policies: [], checkpoints: [ckpt], steps: 4, syntheticTokens: true }],
        }),
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = ((err as WorkflowFailedError).cause as ActivityFailure).cause as ApplicationFailure;
    expect(cause.type).toBe('ConfigError');
    expect(cause.nonRetryable).toBe(true);
    expect(cause.message).toContain(ckpt);
    expect(cause.message).toContain('was trained on 3 observations');
  });
});
