/**
 * ValidateWorkflow on the real dev server: the activity starts a vLLM emulator per agent (truth = the simulation
 * config's fit, σ included), replays the trace through both sides and writes the report; a wrong prefill α in the
 * simulation config fails the workflow with a non-retryable ValidationFailed naming the metric.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import type { ValidateWorkflowInput, ValidateWorkflowResult } from '../../contracts/index.js';
import { PROJECT_ROOT } from '../../core/paths.js';
import { startTestWorker, useTestTemporal } from '../helpers/start-test-worker.js';
import { uniqueQueue } from '../helpers/temporal.js';

const temporal = useTestTemporal('migflow-validate-it-');

describe('ValidateWorkflow', () => {
  it('passes against emulators with the fitted truth and fails, non-retryably, on a wrong α', async () => {
    const queue = uniqueQueue('validate');
    const artifacts = join(temporal.tmp, 'artifacts');
    const worker = await startTestWorker(temporal, queue, artifacts);
    const short = join(temporal.tmp, 'validate.yaml');
    writeFileSync(
      short,
      readFileSync(join(PROJECT_ROOT, 'configs', 'validate.yaml'), 'utf8').replace(
        'requests: 80',
        'requests: 24',
      ),
    );
    // The shipped fit, σ included: the verdict weighs each error against its sampling interval.
    const truth = join(PROJECT_ROOT, 'configs', 'simulation_config.yaml');
    const fitted = readFileSync(truth, 'utf8');
    expect(fitted).toContain('alpha: 0.04467752846225546');
    const wrong = join(temporal.tmp, 'simulation_config.yaml');
    writeFileSync(wrong, fitted.replace('alpha: 0.04467752846225546', 'alpha: 0.3'));
    await worker.runUntil(async () => {
      const ok = (await temporal.client.workflow.execute('ValidateWorkflow', {
        taskQueue: queue,
        workflowId: `${queue}/ok`,
        args: [{ validateConfig: short, simulationConfig: truth } satisfies ValidateWorkflowInput],
      })) as ValidateWorkflowResult;
      expect(ok.pass, ok.table).toBe(true);
      expect(ok.agents.map((a) => a.agent)).toEqual(['CodingAgent', 'RAGAgent']);
      expect(existsSync(join(ok.dir, 'report.json'))).toBe(true);
      expect(readFileSync(join(ok.dir, 'report.md'), 'utf8')).toContain('TTFT P99');
      expect(
        ok.agents.every((a) => a.verdict && !Object.values(a.verdict).includes('fail')),
        ok.table,
      ).toBe(true);

      const err = await temporal.client.workflow
        .execute('ValidateWorkflow', {
          taskQueue: queue,
          workflowId: `${queue}/wrong-alpha`,
          args: [
            {
              validateConfig: short,
              simulationConfig: wrong,
              emulatorTruth: truth,
            } satisfies ValidateWorkflowInput,
          ],
        })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      const cause = (err as WorkflowFailedError).cause;
      expect(cause).toBeInstanceOf(ApplicationFailure);
      expect((cause as ApplicationFailure).type).toBe('ValidationFailed');
      expect((cause as ApplicationFailure).nonRetryable).toBe(true);
      expect((cause as ApplicationFailure).message).toMatch(/CodingAgent ttft_p50 [0-9.]+ % \(interval /);
    });
  }, 300_000);
});
