/**
 * PipelineWorkflow with stages.validate: the validate stage runs as the child `<pipeline>/validate` (after fit, here
 * with every other stage off), its result is in the pipeline's and in its run report (errors, intervals and verdicts against thresholds), and the stage table lists it as ran.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type PipelineInput, type PipelineResult, VALIDATE_METRICS } from '../../contracts/index.js';
import { PROJECT_ROOT } from '../../core/paths.js';
import type { RunReport } from '../../core/report/index.js';
import { startTestWorker, useTestTemporal } from '../helpers/start-test-worker.js';
import { uniqueQueue } from '../helpers/temporal.js';

const temporal = useTestTemporal('migflow-pipeline-validate-it-');
beforeAll(() => {
  process.env.MIGFLOW_ARTIFACTS = join(temporal.tmp, 'artifacts');
});

describe('PipelineWorkflow with the validate stage', () => {
  it('runs ValidateWorkflow as its validate child and reports it', async () => {
    const queue = uniqueQueue('pipeline-validate');
    const worker = await startTestWorker(temporal, queue);
    const short = join(temporal.tmp, 'validate.yaml');
    writeFileSync(
      short,
      readFileSync(join(PROJECT_ROOT, 'configs', 'validate.yaml'), 'utf8')
        .replace('requests: 80', 'requests: 16')
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
      const r = (await temporal.client.workflow.execute('PipelineWorkflow', {
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
      expect(metrics.map((m) => m.metric)).toEqual([...VALIDATE_METRICS]);
      expect(metrics.every((m) => typeof m.threshold === 'number' && m.threshold > 0)).toBe(true);
      // The verdict comes from the error's interval: fail only when all of it lies above the threshold.
      expect(report.validation?.confidence).toBe(0.95);
      expect(metrics.map((m) => m.verdict)).toEqual(
        metrics.map((m) =>
          m.interval![1] <= m.threshold! ? 'pass' : m.interval![0] > m.threshold! ? 'fail' : 'inconclusive',
        ),
      );
      expect(metrics.map((m) => m.pass)).toEqual(metrics.map((m) => m.verdict !== 'fail'));
      expect(readFileSync(r.report!.html, 'utf8')).toContain('<section id="validation">');
      const child = await temporal.client.workflow.getHandle(`${queue}/p/validate`).describe();
      expect(child.type).toBe('ValidateWorkflow');
      expect(child.status.name).toBe('COMPLETED');
    });
  }, 300_000);
});
