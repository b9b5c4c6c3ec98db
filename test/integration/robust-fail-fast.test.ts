/**
 * Issue 14 against a real dev server: a missing input file fails PipelineWorkflow at once, non-retryably, naming
 * the input field and the path; `migflow run train --gpu N` with nobody polling `migflow-gpu-N` says which worker
 * to start within 30 s (through the real binary), while the workflow keeps waiting.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { execa } from 'execa';
import { describe, expect, inject, it } from 'vitest';
import { rootCause } from '../../cli/lib/workflow-run.js';
import { PROJECT_ROOT } from '../../core/paths.js';
import { cpuBoundTimeout } from '../helpers/cpu-bound.js';
import { tinyPipelineInput } from '../helpers/pipeline.js';
import { startTestWorker, useTestTemporal } from '../helpers/start-test-worker.js';
import { uniqueQueue } from '../helpers/temporal.js';

const temporal = useTestTemporal('migflow-robust-it-');

describe('workflow inputs fail fast', () => {
  it('fails PipelineWorkflow at once on a missing simulationConfig, naming the field and the path, without retries', async () => {
    const queue = uniqueQueue('robust-missing-file');
    const worker = await startTestWorker(temporal, queue);
    const input = tinyPipelineInput({
      runId: queue,
      gpus: [90, 91],
      simulationConfig: 'configs/no-such-file.yaml',
    });
    const started = Date.now();
    const err = await worker
      .runUntil(
        temporal.client.workflow.execute('PipelineWorkflow', {
          taskQueue: queue,
          workflowId: queue,
          args: [input],
        }),
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = rootCause(err);
    expect(cause.type).toBe('ConfigError');
    expect(cause.message).toContain('PipelineWorkflow input');
    expect(cause.message).toContain('simulationConfig');
    expect(cause.message).toContain('no-such-file.yaml does not exist');
    expect(cause.message).toContain('fix:');
    // One attempt, no stage started: the history holds one activity and no child workflow.
    const history = await temporal.client.workflow.getHandle(queue).fetchHistory();
    const events = history.events ?? [];
    expect(
      events
        .filter((e) => e.activityTaskStartedEventAttributes)
        .map((e) => e.activityTaskStartedEventAttributes?.attempt),
    ).toEqual([1]);
    expect(events.some((e) => e.startChildWorkflowExecutionInitiatedEventAttributes)).toBe(false);
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});

describe('clients never wait forever', () => {
  it('`migflow run train --gpu 57` with no worker on migflow-gpu-57 prints which worker to start within 30 s', async () => {
    const workflowId = `robust-no-poller-${randomUUID().slice(0, 8)}`;
    const proc = execa(
      process.execPath,
      [
        'bin/migflow.js',
        'run',
        'train',
        '--gpu',
        '57',
        '--steps',
        '64',
        '--no-progress',
        '--workflow-id',
        workflowId,
      ],
      {
        cwd: PROJECT_ROOT,
        env: { TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: inject('temporalNamespace') },
        reject: false,
        buffer: false,
      },
    );
    let stderr = '';
    const hinted = new Promise<number>((resolve) => {
      proc.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('migflow-gpu-57') && stderr.includes('npx migflow worker --gpu 57'))
          resolve(Date.now());
      });
    });
    try {
      // Up to 30 s once the workflow waits, after the CLI's cold start (3 CPU-seconds: about 30 s more at load 20).
      const limitMs = 30_000 + cpuBoundTimeout(5);
      const hintAt = await Promise.race([
        hinted,
        new Promise<number>((r) => setTimeout(() => r(-1), limitMs)),
      ]);
      expect(stderr).toContain('no worker is polling task queue migflow-gpu-57');
      // The workflow itself keeps waiting, as Temporal intends.
      const d = await temporal.client.workflow.getHandle(workflowId).describe();
      expect(d.status.name).toBe('RUNNING');
      // Timed from the workflow's start on the server (same host clock): what the user waits for once the run is
      // stuck, without the CLI's start-up, which only says how busy the machine is.
      const ms = hintAt - d.startTime.getTime();
      expect(ms).toBeGreaterThan(0);
      expect(ms).toBeLessThan(30_000);
    } finally {
      proc.kill('SIGTERM');
      await proc;
      await temporal.client.workflow
        .getHandle(workflowId)
        .terminate('test done')
        .catch(() => {});
    }
  }, 120_000);
});
