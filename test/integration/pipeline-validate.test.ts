/**
 * PipelineWorkflow with stages.validate: the validate stage runs as the child `<pipeline>/validate` (after fit, here
 * with every other stage off), its result is in the pipeline's and in its run report (errors against thresholds), and the stage table lists it as ran.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client, Connection } from '@temporalio/client';
import { type NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import type { PipelineInput, PipelineResult } from '../../contracts/index.js';
import { StageCache } from '../../core/cache/index.js';
import { PROJECT_ROOT } from '../../core/paths.js';
import type { RunReport } from '../../core/report/index.js';
import { testClient, uniqueQueue, workerConnection, workflowBundle } from '../helpers/temporal.js';

let client: Client;
let connection: Connection;
let nativeConnection: NativeConnection;
let tmp: string;
const savedArtifacts = process.env.MIGFLOW_ARTIFACTS;

beforeAll(async () => {
  ({ client, connection } = await testClient());
  nativeConnection = await workerConnection();
  tmp = mkdtempSync(join(tmpdir(), 'migflow-pipeline-validate-it-'));
  process.env.MIGFLOW_ARTIFACTS = join(tmp, 'artifacts');
});
afterAll(async () => {
  if (savedArtifacts === undefined) delete process.env.MIGFLOW_ARTIFACTS;
  else process.env.MIGFLOW_ARTIFACTS = savedArtifacts;
  await nativeConnection?.close();
  await connection?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('PipelineWorkflow with the validate stage', () => {
  it('runs ValidateWorkflow as its validate child and reports it', async () => {
    const queue = uniqueQueue('pipeline-validate');
    const worker = await Worker.create({
      connection: nativeConnection,
      namespace: inject('temporalNamespace'),
      taskQueue: queue,
      workflowBundle: await workflowBundle(),
      activities: createActivities({
        projectRoot: PROJECT_ROOT,
        cache: new StageCache({ root: join(tmp, 'artifacts'), migflowVersion: 'test' }),
        childEnv: {},
      }),
    });
    const short = join(tmp, 'validate.yaml');
    writeFileSync(
      short,
      readFileSync(join(PROJECT_ROOT, 'configs', 'validate.yaml'), 'utf8')
        .replace('requests: 40', 'requests: 16')
        .replace('agents: [CodingAgent, RAGAgent]', 'agents: [CodingAgent]'),
    );
    const input: PipelineInput = {
      // Required by the schema; the datasets stage is off.
      datasets: [{ kind: 'coder', inputs: ['datasets/samples/coder.jsonl'] }],
      stages: { datasets: false, profiling: false, fit: false, validate: true, train: false, bench: false },
      // A short trace is noisy at P99: the stage's wiring is under test here, the thresholds in test/slow.
      validate: { validateConfig: short, failOnThreshold: false },
    };
    await worker.runUntil(async () => {
      const r = (await client.workflow.execute('PipelineWorkflow', {
        taskQueue: queue,
        workflowId: `${queue}/p`,
        args: [input],
      })) as PipelineResult;
      expect(r.stages.find((s) => s.stage === 'validate')?.status).toBe('ran');
      expect(r.validate?.agents.map((a) => a.agent)).toEqual(['CodingAgent']);
      expect(r.validate?.agents[0]?.error.throughput).toBeLessThan(0.1);
      // The run report shows the validation: every metric with its error, the config's threshold and the verdict.
      const report = JSON.parse(readFileSync(r.report!.json, 'utf8')) as RunReport;
      expect(report.validation?.pass).toBe(r.validate?.pass);
      const metrics = report.validation!.agents[0]!.metrics;
      expect(metrics.map((m) => m.metric)).toEqual([
        'ttft_p50',
        'ttft_p90',
        'ttft_p99',
        'tpot_p50',
        'tpot_p90',
        'tpot_p99',
        'throughput',
      ]);
      expect(metrics.every((m) => typeof m.threshold === 'number' && m.threshold > 0)).toBe(true);
      expect(metrics.map((m) => m.pass)).toEqual(metrics.map((m) => m.error <= m.threshold!));
      expect(readFileSync(r.report!.html, 'utf8')).toContain('<section id="validation">');
      const child = await client.workflow.getHandle(`${queue}/p/validate`).describe();
      expect(child.type).toBe('ValidateWorkflow');
      expect(child.status.name).toBe('COMPLETED');
    });
  }, 300_000);
});
