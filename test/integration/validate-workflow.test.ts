/**
 * ValidateWorkflow on the real dev server: the activity starts a vLLM emulator per agent (truth = the simulation
 * config's fit), replays the trace through both sides and writes the report; a wrong prefill α in the simulation
 * config fails the workflow with a non-retryable ValidationFailed naming the metric.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import type { ValidateWorkflowInput, ValidateWorkflowResult } from '../../contracts/index.js';
import { PROJECT_ROOT } from '../../core/paths.js';
import { writeNoiselessSimConfig } from '../helpers/noiseless-sim-config.js';
import { startTestWorker, useTestTemporal } from '../helpers/start-test-worker.js';
import { uniqueQueue } from '../helpers/temporal.js';

const temporal = useTestTemporal('migflow-validate-it-');

// Two tries, as in test/slow/validate.test.ts: at load 12 the real-time replay's wake-ups ran late enough to put
// RAGAgent's TTFT P50 (180 ms) 17.7 % high with σ = 0 (every other metric within 12.4 %); a wrong α fails both.
describe('ValidateWorkflow', { retry: 1 }, () => {
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
    // σ = 0 on both sides: with the fit's noise the two sides' percentiles differ by sampling alone (see the helper).
    const truth = writeNoiselessSimConfig(join(temporal.tmp, 'simulation_config.noiseless.yaml'));
    const wrong = writeNoiselessSimConfig(join(temporal.tmp, 'simulation_config.yaml'), (y) =>
      y.replace('alpha: 0.04467752846225546', 'alpha: 0.3'),
    );
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
      expect((cause as ApplicationFailure).message).toMatch(/CodingAgent ttft_p50/);
    });
  }, 300_000);
});
