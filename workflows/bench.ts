/**
 * BenchWorkflow: every listed policy on the same benchmark trace, one cached `benchPolicy` activity each, in
 * parallel (each trial is seeded by policy name, so the order and placement of trials do not change any number).
 */
import { proxyActivities, setCurrentDetails } from '@temporalio/workflow';
import {
  BenchStageInput,
  type BenchWorkflowInput,
  type BenchWorkflowResult,
  markdownTable,
  Stage,
} from '../contracts/index.js';
import { type Activities, QUICK_RETRY, validateInput } from '../contracts/temporal/index.js';
import { joinRun } from './join-run.js';

/** `…/<run>/checkpoints/rl_model_512_steps` → `<run>/rl_model_512_steps`: enough to tell checkpoints apart. */
const shortCheckpoint = (path: string) => {
  const parts = path.split('/').filter(Boolean);
  return parts.length >= 3 && parts.at(-2) === 'checkpoints'
    ? `${parts.at(-3)}/${parts.at(-1)}`
    : (parts.at(-1) ?? path);
};
const f3 = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '' : x.toFixed(3));

/** The comparison as a Markdown table: one row per (policy, agent), the training reward, TTFT, TPOT, moves. */
export function benchTable(results: BenchWorkflowResult['results']): string {
  return markdownTable(
    ['policy', 'reward', 'agent', 'done', 'TTFT mean s', 'TTFT P50 s', 'TTFT P99 s', 'TPOT P50 s', 'S/M/T'],
    results.flatMap((r) =>
      r.entry.agents.map((a, i) => [
        i === 0 ? r.entry.policy : '',
        i === 0 ? f3(r.entry.reward?.total) : '',
        a.agent,
        String(a.completedRequests),
        f3(a.meanTtftS),
        f3(a.ttftPercentilesS[1]),
        f3(a.ttftPercentilesS[3]),
        f3(a.tpotQuartilesS[1]),
        `${a.splitCount}/${a.mergeCount}/${a.transferCount}`,
      ]),
    ),
  );
}

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
    ...settings.checkpoints.map((checkpoint) => ({
      policy: 'rl' as const,
      checkpoint,
      label: shortCheckpoint(checkpoint),
    })),
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
  // A few short lines (the panel shows about six): the best by training reward first; the table is in the result.
  const ranked = [...results].sort(
    (a, b) => (b.entry.reward?.total ?? -Infinity) - (a.entry.reward?.total ?? -Infinity),
  );
  setCurrentDetails(
    [
      `**Done.** ${results.length} policies on one trace, ${results.filter((r) => r.hit).length} from the cache; by training reward:`,
      ...ranked
        .slice(0, 4)
        .map(
          (r) =>
            `- ${r.entry.policy}: reward ${f3(r.entry.reward?.total)}, mean TTFT ${r.entry.agents.map((a) => `${a.agent} ${a.meanTtftS.toFixed(2)} s`).join(', ')}`,
        ),
      ...(ranked.length > 4 ? [`- … ${ranked.length - 4} more in the result's table`] : []),
    ].join('\n'),
  );
  return { runId, results, ...(settings.task ? { task: settings.task } : {}), table: benchTable(results) };
}
