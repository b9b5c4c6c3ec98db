/**
 * BenchWorkflow: every listed policy on the same benchmark trace, one cached `benchPolicy` activity each, in
 * parallel (each trial is seeded by policy name, so the order and placement of trials do not change any number).
 */
import {
  proxyActivities,
  setCurrentDetails,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { BenchStageInput, type BenchWorkflowResult } from './inputs.js';
import { RUN_ID, STAGE, Stage } from './shared.js';
import { validateInput } from './validate.js';

const NON_RETRYABLE = ['ConfigError', 'DatasetError', 'GeometryError', 'ToolMissingError'];

export async function BenchWorkflow(raw: BenchStageInput & { runId?: string }): Promise<BenchWorkflowResult> {
  const { runId: rawRunId, ...rest } = raw;
  const settings = validateInput('BenchWorkflow', BenchStageInput, rest);
  const runId = rawRunId ?? workflowInfo().workflowId;
  upsertSearchAttributes([
    { key: STAGE, value: Stage.bench },
    { key: RUN_ID, value: runId },
  ]);
  const { benchPolicy } = proxyActivities<Activities>({
    startToCloseTimeout: '2h',
    heartbeatTimeout: '30s',
    retry: { maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE },
  });
  setCurrentDetails(`**Benchmarking** ${settings.policies.join(', ')} on one shared trace`);
  const results = await Promise.all(
    settings.policies.map((policy) =>
      benchPolicy.executeWithOptions(
        {
          startToCloseTimeout: '2h',
          heartbeatTimeout: '30s',
          retry: { maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE },
          summary: `bench ${policy} for ${settings.steps ?? 'the configured number of'} decisions (seed ${settings.seed ?? 'from bench_config'})`,
        },
        [{ policy, settings }],
      ),
    ),
  );
  setCurrentDetails(
    `**Done.** ${results.map((r) => `${r.policy}: mean TTFT ${r.entry.agents.map((a) => `${a.agent} ${a.meanTtftS.toFixed(2)} s`).join(', ')}${r.hit ? ' (cache hit)' : ''}`).join('; ')}`,
  );
  return { runId, results };
}
