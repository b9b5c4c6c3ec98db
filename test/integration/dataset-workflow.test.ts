/**
 * DatasetWorkflow against a real dev server: end to end, cache hit on re-run, a worker killed with SIGKILL in the
 * middle of the activity, and bad input failing without retries.
 */
import { createWriteStream, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { describe, expect, inject, it } from 'vitest';
import { sampleInputs } from '../../cli/lib/samples.js';
import { startWorkerProcess } from '../../cli/lib/worker-processes.js';
import type { DatasetWorkflowInput, DatasetWorkflowResult } from '../../contracts/index.js';
import { RUN_ID, STAGE } from '../../contracts/temporal/index.js';
import { sha256Hex } from '../../core/cache/index.js';
import { startTestWorker, useTestTemporal } from '../helpers/start-test-worker.js';
import { uniqueQueue } from '../helpers/temporal.js';

const temporal = useTestTemporal('migflow-dataset-it-');

function run(taskQueue: string, input: DatasetWorkflowInput, workflowId: string) {
  return temporal.client.workflow.execute('DatasetWorkflow', {
    taskQueue,
    workflowId,
    args: [input],
  }) as Promise<DatasetWorkflowResult>;
}

const samples: DatasetWorkflowInput = {
  datasets: (['coder', 'rag', 'chat'] as const).map((kind) => ({ kind, inputs: sampleInputs(kind) })),
};

describe('DatasetWorkflow', () => {
  it('prepares the bundled samples end to end, then serves a re-run from the cache without recomputing', async () => {
    const queue = uniqueQueue('dataset-e2e');
    const artifacts = join(temporal.tmp, 'e2e');
    const worker = await startTestWorker(temporal, queue, artifacts);
    const first = await worker.runUntil(run(queue, { ...samples, runId: 'it-run-1' }, `${queue}/first`));
    expect(first.runId).toBe('it-run-1');
    expect(first.datasets.map((d) => d.kind)).toEqual(['coder', 'rag', 'chat']);
    for (const d of first.datasets) {
      expect(d.hit).toBe(false);
      expect(d.rowsWritten).toBeGreaterThan(0);
      expect(d.outputFile.startsWith(join(artifacts, 'datasets', d.cacheKey))).toBe(true);
      // Each processed row ends with the assistant's answer (the ShareGPT invariant consumers rely on).
      expect(statSync(d.outputFile).size).toBeGreaterThan(0);
    }
    // Coder expands multi-round conversations: more rows out than conversations in.
    const coder = first.datasets[0]!;
    expect(coder.rowsWritten).toBeGreaterThan(coder.rowsRead);
    // The samples deliberately contain malformed rows: reported, not dropped silently.
    expect(first.datasets.reduce((s, d) => s + d.malformedCount, 0)).toBeGreaterThan(0);

    const mtimes = first.datasets.map((d) => statSync(d.outputFile).mtimeMs);
    // A fresh worker (as after a restart) finds everything in the cache.
    const again = await startTestWorker(temporal, queue, artifacts);
    const second = await again.runUntil(run(queue, samples, `${queue}/second`));
    for (const [i, d] of second.datasets.entries()) {
      expect(d.hit).toBe(true);
      expect(d.cacheKey).toBe(first.datasets[i]!.cacheKey);
      expect(d.rowsWritten).toBe(first.datasets[i]!.rowsWritten);
      expect(statSync(d.outputFile).mtimeMs).toBe(mtimes[i]);
    }

    // Search attributes make the run findable with `temporal workflow list --query`.
    const desc = await temporal.client.workflow.getHandle(`${queue}/first`).describe();
    expect(desc.typedSearchAttributes.get(STAGE)).toBe('datasets');
    expect(desc.typedSearchAttributes.get(RUN_ID)).toBe('it-run-1');
  });

  it('fails without retrying, naming the field, when the input is invalid', async () => {
    const queue = uniqueQueue('dataset-bad-input');
    const worker = await startTestWorker(temporal, queue, join(temporal.tmp, 'bad'));
    const err = await worker
      .runUntil(
        run(queue, { datasets: [{ kind: 'codr' as 'coder', inputs: ['x.jsonl'] }] }, `${queue}/bad-kind`),
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect((cause as ApplicationFailure).type).toBe('ConfigError');
    expect((cause as ApplicationFailure).nonRetryable).toBe(true);
    expect((cause as ApplicationFailure).message).toMatch(/datasets\[0\]\.kind/);
  });

  it('fails the activity once, non-retryably, when a file is not what its extension claims', async () => {
    const queue = uniqueQueue('dataset-bad-file');
    const fake = join(temporal.tmp, 'not-really.parquet');
    // Written synchronously: a stream ended here could still be flushing when the worker opens the file.
    writeFileSync(fake, '{"this": "is json, not parquet"}\n');
    const worker = await startTestWorker(temporal, queue, join(temporal.tmp, 'badfile'));
    const err = await worker
      .runUntil(run(queue, { datasets: [{ kind: 'rag', inputs: [fake] }] }, `${queue}/bad-file`))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const activityFailure = (err as WorkflowFailedError).cause;
    expect(activityFailure).toBeInstanceOf(ActivityFailure);
    const cause = (activityFailure as ActivityFailure).cause as ApplicationFailure;
    expect(cause.type).toBe('DatasetError');
    expect(cause.nonRetryable).toBe(true);
    expect(cause.message).toContain('not-really.parquet');
    const history = await temporal.client.workflow.getHandle(`${queue}/bad-file`).fetchHistory();
    const started = history.events?.filter((e) => e.activityTaskStartedEventAttributes) ?? [];
    expect(started.map((e) => e.activityTaskStartedEventAttributes?.attempt)).toEqual([1]);
  });
});

/** A coder dataset big enough that preparing it takes a few seconds (the crash drill kills the worker meanwhile). */
async function bigCoderDataset(file: string, conversations: number): Promise<void> {
  const out = createWriteStream(file);
  const words = 'the model returns a list of tokens while the scheduler batches requests across slices'.split(
    ' ',
  );
  for (let i = 0; i < conversations; i++) {
    const text = (n: number) =>
      Array.from({ length: n }, (_, j) => words[(i * 7 + j * 3) % words.length]).join(' ');
    const messages = [
      { role: 'human', value: `Q${i}: ${text(40)}` },
      { role: 'gpt', value: `A${i}: ${text(60)}` },
      { role: 'human', value: `Follow-up ${i}: ${text(30)}` },
      { role: 'gpt', value: `A2 ${i}: ${text(50)}` },
    ];
    if (!out.write(`${JSON.stringify({ id: i, messages })}\n`))
      await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
}

describe('DatasetWorkflow crash drill', () => {
  it('finishes on a fresh worker after the first worker is killed with SIGKILL mid-activity, with identical output', async () => {
    const big = join(temporal.tmp, 'big-coder.jsonl');
    await bigCoderDataset(big, 120_000);
    const input: DatasetWorkflowInput = {
      datasets: [{ kind: 'coder', inputs: [big] }],
      heartbeatTimeoutS: 3,
    };

    // Undisturbed reference run, in its own cache.
    const refQueue = uniqueQueue('dataset-crash-ref');
    const refWorker = await startTestWorker(temporal, refQueue, join(temporal.tmp, 'crash-ref'));
    const reference = await refWorker.runUntil(run(refQueue, input, `${refQueue}/ref`));

    const queue = uniqueQueue('dataset-crash');
    const env = {
      ...process.env,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_NAMESPACE: inject('temporalNamespace'),
      MIGFLOW_TASK_QUEUE: queue,
      MIGFLOW_ARTIFACTS: join(temporal.tmp, 'crash'),
    } as Record<string, string>;
    const first = await startWorkerProcess('main-worker', [], env);
    const handle = await temporal.client.workflow.start('DatasetWorkflow', {
      taskQueue: queue,
      workflowId: `${queue}/wf`,
      args: [input],
    });
    // Wait until the activity is running on the first worker, then kill that worker outright.
    for (;;) {
      const d = await handle.describe();
      const pending = d.raw.pendingActivities ?? [];
      if (pending.some((p) => p.state === 2 /* STARTED */ || (p.heartbeatDetails?.payloads?.length ?? 0) > 0))
        break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await first.kill();
    const second = await startWorkerProcess('main-worker', [], env);
    try {
      const result = (await handle.result()) as DatasetWorkflowResult;
      const history = await handle.fetchHistory();
      const started = history.events?.filter((e) => e.activityTaskStartedEventAttributes) ?? [];
      // The attempt that completed is a retry: the first attempt died with its worker.
      expect(started.at(-1)?.activityTaskStartedEventAttributes?.attempt).toBeGreaterThanOrEqual(2);
      const r = result.datasets[0]!;
      const ref = reference.datasets[0]!;
      expect(r.rowsWritten).toBe(ref.rowsWritten);
      expect(sha256Hex(readFileSync(r.outputFile))).toBe(sha256Hex(readFileSync(ref.outputFile)));
    } finally {
      await second.stop();
    }
  });
});
