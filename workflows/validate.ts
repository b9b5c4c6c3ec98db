/**
 * ValidateWorkflow: the simulator against live engines (emulators where none is given) as one `validateSimulator`
 * activity; the report's table becomes the run's current details, and a metric whose whole error interval lies beyond
 * its threshold fails the workflow (non-retryable: a re-run gives the same verdict) unless `failOnThreshold` is off;
 * an inconclusive metric (interval straddling the threshold) does not.
 */
import { ApplicationFailure, proxyActivities, setCurrentDetails, workflowInfo } from '@temporalio/workflow';
import { Stage, ValidateWorkflowInput, type ValidateWorkflowResult } from '../contracts/index.js';
import { type Activities, QUICK_RETRY, validateInput } from '../contracts/temporal/index.js';
import { joinRun } from './join-run.js';

export async function ValidateWorkflow(raw: ValidateWorkflowInput): Promise<ValidateWorkflowResult> {
  const input = validateInput('ValidateWorkflow', ValidateWorkflowInput, raw);
  const runId = joinRun(Stage.validate, input.runId);
  const { validateSimulator } = proxyActivities<Activities>({
    startToCloseTimeout: '30m',
    retry: QUICK_RETRY,
    summary: `simulator vs engines (${input.validateConfig})`,
  });
  setCurrentDetails(`**Validate** ${input.simulationConfig} against live engines — replaying the trace`);
  const result = await validateSimulator({
    validateConfig: input.validateConfig,
    simulationConfig: input.simulationConfig,
    engines: input.engines,
    ...(input.emulatorTruth ? { emulatorTruth: input.emulatorTruth } : {}),
    name: workflowInfo().workflowId.replace(/[^A-Za-z0-9._-]+/g, '_'),
  });
  setCurrentDetails(result.table);
  if (!result.pass && input.failOnThreshold) {
    throw ApplicationFailure.create({
      type: 'ValidationFailed',
      nonRetryable: true,
      message: `the simulator is outside the thresholds of ${input.validateConfig}: ${result.agents
        .flatMap((a) =>
          a.failed.map((m) => {
            const k = m as keyof typeof a.error;
            const ci = a.interval?.[k];
            const range = ci ? ` (interval ${(100 * ci[0]).toFixed(1)}–${(100 * ci[1]).toFixed(1)} %)` : '';
            return `${a.agent} ${m} ${(100 * a.error[k]).toFixed(1)} %${range}`;
          }),
        )
        .join(', ')}`,
      details: [result.table],
    });
  }
  return { ...result, runId };
}
