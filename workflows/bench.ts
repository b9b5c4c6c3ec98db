/**
 * BenchWorkflow: every listed policy on the same benchmark trace, one cached `benchPolicy` activity each, in
 * parallel (each trial is seeded by policy name, so the order and placement of trials do not change any number).
 */
import { proxyActivities, setCurrentDetails } from '@temporalio/workflow';
import {
  BenchStageInput,
  type BenchWorkflowInput,
  type BenchWorkflowResult,
  Stage,
} from '../contracts/index.js';
import { type Activities, QUICK_RETRY, validateInput } from '../contracts/temporal/index.js';
import { joinRun } from './join-run.js';

export async function BenchWorkflow(raw: BenchWorkflowInput): Promise<BenchWorkflowResult> {
  const { runId: rawRunId, ...rest } = raw;
  const settings = validateInput('BenchWorkflow', BenchStageInput, rest);
  const runId = joinRun(Stage.bench, rawRunId);
  const { benchPolicy } = proxyActivities<Activities>({
    startToCloseTimeout: '2h',
    heartbeatTimeout: '30s',
    retry: QUICK_RETRY,
  });
  // RL checkpoints first, in the order given, then the baselines (the reference's trial order).
  const trials = [
    ...settings.checkpoints.map((checkpoint) => ({ policy: 'rl' as const, checkpoint, label: checkpoint })),
    ...settings.policies.map((policy) => ({ policy, label: policy })),
  ];
  setCurrentDetails(`**Benchmarking** ${trials.map((t) => t.label).join(', ')} on one shared trace`);
  const results = await Promise.all(
    trials.map(({ label, ...trial }) =>
      benchPolicy.executeWithOptions(
        {
          startToCloseTimeout: '2h',
          heartbeatTimeout: '30s',
          retry: QUICK_RETRY,
          summary: `bench ${label} for ${settings.steps ?? 'the configured number of'} decisions (${settings.trace ? `trace ${settings.trace.file}` : `seed ${settings.seed ?? 'from bench_config'}`})`,
        },
        [{ ...trial, settings }],
      ),
    ),
  );
  setCurrentDetails(
    `**Done.** ${results.map((r) => `${r.policy}: mean TTFT ${r.entry.agents.map((a) => `${a.agent} ${a.meanTtftS.toFixed(2)} s`).join(', ')}${r.hit ? ' (cache hit)' : ''}`).join('; ')}`,
  );
  return { runId, results };
}
