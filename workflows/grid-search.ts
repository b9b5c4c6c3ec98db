/**
 * GridSearchWorkflow: expands grid_search.yaml into trials (an activity reads the files), then runs one child
 * TrainWorkflow per trial (`<parentId>/train/<trialKey>`), at most one per listed GPU at a time. A failed trial is
 * reported and the others carry on; the result ends with a table of every trial's params, reward and best
 * checkpoint. Each trial's training is cached, so re-running an unchanged grid is all cache hits.
 */
import {
  ApplicationFailure,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import {
  GridSearchInput,
  type GridSearchResult,
  type GridSearchStatus,
  type GridTrialOutcome,
  markdownTable,
  paramsSummary,
  rankTrials,
  rewardColumns,
  Stage,
} from '../contracts/index.js';
import { type Activities, gridStatusQuery, QUICK_RETRY, validateInput } from '../contracts/temporal/index.js';
import { joinRun } from './join-run.js';
import { GpuSlots, keepResult, runTrainTrial } from './train-trial.js';

/** The trials as a Markdown table (also what the Web UI's current details show); the best starred (rankTrials). */
export function gridTable(trials: readonly GridTrialOutcome[]): string {
  const { best, criterion } = rankTrials(trials);
  const rewards = rewardColumns(trials, criterion);
  return markdownTable(
    ['trial', 'id', 'status', 'gpu', ...rewards.header, 'best checkpoint / error'],
    trials.map((t) => [
      // Named by its values, the best starred; the key is the id (and the child workflow's).
      `${t === best ? '★ ' : ''}${paramsSummary(t.params, 80) || 'defaults'}`,
      t.trialKey,
      t.status + (t.hit ? ' (cache hit)' : ''),
      t.gpu === undefined ? '' : `gpu-${t.gpu}`,
      ...rewards.cells(t, (x) => x.toFixed(3)),
      t.bestCheckpoint ? `\`${t.bestCheckpoint}\`` : (t.error ?? ''),
    ]),
  );
}

/** Rows the Current details panel shows at most (it shows about six lines; the query and the result have all). */
const DETAIL_ROWS = 4;

/**
 * The trials for the Web UI's Current details: running ones first, then the finished ones best first (rankTrials),
 * each on one short line named by its parameters; the rest counted, with the query that lists them all.
 */
export function gridDetails(trials: readonly GridTrialOutcome[]): string {
  const { ranked, best } = rankTrials(trials);
  const order = (t: GridTrialOutcome) =>
    t.status === 'running'
      ? -1
      : t.status === 'completed'
        ? ranked.indexOf(t)
        : trials.length + (t.status === 'failed' ? 0 : 1);
  const shown = [...trials].sort((a, b) => order(a) - order(b) || a.index - b.index).slice(0, DETAIL_ROWS);
  const lines = shown.map((t) => {
    const reward =
      (typeof t.meanEpisodeReward === 'number' ? ` · reward ${t.meanEpisodeReward.toFixed(3)}` : '') +
      (typeof t.evalReward === 'number' ? ` · eval ${t.evalReward.toFixed(3)}` : '');
    const where = t.gpu === undefined ? '' : ` · gpu-${t.gpu}`;
    return `- ${t === best ? '★ ' : ''}${paramsSummary(t.params, 60) || t.trialKey}: ${t.status}${t.hit ? ' (hit)' : ''}${where}${reward}`;
  });
  if (trials.length > shown.length)
    lines.push(`- … ${trials.length - shown.length} more: \`temporal workflow query --type gridStatus\``);
  return lines.join('\n');
}

/** What a trial's row keeps of its TrainWorkflow's result. */
const GRID_RESULT_FIELDS = [
  'meanEpisodeReward',
  'dir',
  'cudaVisibleDevices',
  'bestCheckpoint',
  'bestBy',
  'evalReward',
  'finalCheckpoint',
  'steps',
  'hit',
] as const;

export async function GridSearchWorkflow(raw: GridSearchInput): Promise<GridSearchResult> {
  const input = validateInput('GridSearchWorkflow', GridSearchInput, raw);
  const parentId = workflowInfo().workflowId;
  const runId = input.runId ?? parentId;
  joinRun(Stage.gridSearch, runId);
  const { expandGridSearch } = proxyActivities<Activities>({
    startToCloseTimeout: '5m',
    retry: QUICK_RETRY,
    summary: `expand ${input.gridConfig} over ${input.trainingConfig}`,
  });
  setCurrentDetails(`**Grid search** — expanding ${input.gridConfig}`);
  const { trials } = await expandGridSearch({
    gridConfig: input.gridConfig,
    trainingConfig: input.trainingConfig,
    simulationConfig: input.simulationConfig,
    overrides: input.overrides,
  });

  const outcomes: GridTrialOutcome[] = trials.map((t) => ({
    trialKey: t.trialKey,
    index: t.index,
    params: t.params,
    status: 'pending',
    workflowId: `${parentId}/train/${t.trialKey}`,
  }));
  const status = (): GridSearchStatus => ({
    total: outcomes.length,
    completed: outcomes.filter((o) => o.status === 'completed').length,
    failed: outcomes.filter((o) => o.status === 'failed').length,
    running: outcomes.filter((o) => o.status === 'running').length,
    trials: outcomes,
  });
  const show = () => {
    const s = status();
    setCurrentDetails(
      `**Grid search** ${input.gridConfig}: ${s.completed} done, ${s.failed} failed, ${s.running} running of ${s.total} on ${input.gpus.map((g) => `gpu-${g}`).join(', ')}\n${gridDetails(outcomes)}`,
    );
  };
  setHandler(gridStatusQuery, status, {
    description: 'every trial: params, status, GPU, reward, checkpoints',
  });
  show();

  const { nEnvs, warmStart, warmStartSteps, warmStartRounds, benchConfig, totalSteps } = input;
  const gpus = new GpuSlots(input.gpus);
  const running: Promise<void>[] = [];
  for (const outcome of outcomes) {
    await gpus.available();
    const gpu = gpus.take();
    outcome.status = 'running';
    outcome.gpu = gpu;
    show();
    running.push(
      runTrainTrial(
        outcome,
        {
          parent: input,
          runId,
          gpu,
          seed: input.seed + (input.seedPerTrial ? outcome.index : 0),
          summaryPrefix: 'trial',
          extra: { nEnvs, warmStart, warmStartSteps, warmStartRounds, benchConfig, totalSteps },
        },
        {
          completed: (r) => {
            outcome.status = 'completed';
            keepResult(outcome, r, GRID_RESULT_FIELDS);
          },
          failed: (error) => {
            outcome.status = 'failed';
            outcome.error = error;
          },
        },
      ).finally(() => {
        gpus.give(gpu);
        show();
      }),
    );
  }
  await Promise.all(running);
  const s = status();
  show();
  if (s.completed === 0) {
    throw ApplicationFailure.create({
      type: 'GridSearchFailed',
      nonRetryable: true,
      message: `every trial of ${input.gridConfig} failed; first: ${outcomes[0]?.error ?? 'no trials'}`,
      details: [gridTable(outcomes)],
    });
  }
  return { ...s, runId, table: gridTable(outcomes) };
}
