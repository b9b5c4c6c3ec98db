/**
 * GridSearchWorkflow: expands grid_search.yaml into trials (an activity reads the files), then runs one child
 * TrainWorkflow per trial (`<parentId>/train/<trialKey>`), at most one per listed GPU at a time. A failed trial is
 * reported and the others carry on; the result ends with a table of every trial's params, reward and best
 * checkpoint. Each trial's training is cached, so re-running an unchanged grid is all cache hits.
 */
import {
  ApplicationFailure,
  condition,
  executeChild,
  isCancellation,
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
  paramsSummary,
  Stage,
} from '../contracts/index.js';
import {
  type Activities,
  gpuTaskQueue,
  gridStatusQuery,
  QUICK_RETRY,
  runTags,
  validateInput,
} from '../contracts/temporal/index.js';
import { joinRun } from './join-run.js';
import { TrainWorkflow } from './train.js';

/** The trials as a Markdown table (also what the Web UI's current details show). */
export function gridTable(trials: readonly GridTrialOutcome[]): string {
  const best = trials
    .filter((t) => t.status === 'completed' && typeof t.meanEpisodeReward === 'number')
    .sort((a, b) => b.meanEpisodeReward! - a.meanEpisodeReward!)[0];
  const rows = trials.map((t) =>
    [
      // Named by its values, the best starred; the key is the id (and the child workflow's).
      `${t === best ? '★ ' : ''}${paramsSummary(t.params, 80) || 'defaults'}`,
      t.trialKey,
      t.status + (t.hit ? ' (cache hit)' : ''),
      t.gpu === undefined ? '' : `gpu-${t.gpu}`,
      t.meanEpisodeReward === undefined || t.meanEpisodeReward === null ? '' : t.meanEpisodeReward.toFixed(3),
      t.bestCheckpoint ? `\`${t.bestCheckpoint}\`` : (t.error ?? ''),
    ].join(' | '),
  );
  return [
    '| trial | id | status | gpu | mean episode reward | best checkpoint / error |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r} |`),
  ].join('\n');
}

/** Rows the Current details panel shows at most (it shows about six lines; the query and the result have all). */
const DETAIL_ROWS = 4;

/**
 * The trials for the Web UI's Current details: running ones first, then the best finished, each on one short line
 * named by its parameters; the rest counted, with the query that lists them all.
 */
export function gridDetails(trials: readonly GridTrialOutcome[]): string {
  const rank = (t: GridTrialOutcome) =>
    t.status === 'running' ? 0 : t.status === 'completed' ? 1 : t.status === 'failed' ? 2 : 3;
  const shown = [...trials]
    .sort(
      (a, b) => rank(a) - rank(b) || (b.meanEpisodeReward ?? -Infinity) - (a.meanEpisodeReward ?? -Infinity),
    )
    .slice(0, DETAIL_ROWS);
  const best = trials
    .filter((t) => t.status === 'completed' && typeof t.meanEpisodeReward === 'number')
    .sort((a, b) => b.meanEpisodeReward! - a.meanEpisodeReward!)[0];
  const lines = shown.map((t) => {
    const reward =
      typeof t.meanEpisodeReward === 'number' ? ` · reward ${t.meanEpisodeReward.toFixed(3)}` : '';
    const where = t.gpu === undefined ? '' : ` · gpu-${t.gpu}`;
    return `- ${t === best ? '★ ' : ''}${paramsSummary(t.params, 60) || t.trialKey}: ${t.status}${t.hit ? ' (hit)' : ''}${where}${reward}`;
  });
  if (trials.length > shown.length)
    lines.push(`- … ${trials.length - shown.length} more: \`temporal workflow query --type gridStatus\``);
  return lines.join('\n');
}

function errorMessage(err: unknown): string {
  let e: unknown = err;
  // ChildWorkflowFailure → ActivityFailure → ApplicationFailure: the innermost message says what went wrong.
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 300);
}

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

  // One trial per GPU at a time: a free-list of GPU indices is the semaphore.
  const freeGpus = [...input.gpus];
  const running: Promise<void>[] = [];
  for (const outcome of outcomes) {
    await condition(() => freeGpus.length > 0);
    const gpu = freeGpus.shift()!;
    outcome.status = 'running';
    outcome.gpu = gpu;
    show();
    const params = paramsSummary(outcome.params);
    running.push(
      executeChild(TrainWorkflow, {
        workflowId: outcome.workflowId,
        args: [
          {
            trainingConfig: input.trainingConfig,
            simulationConfig: input.simulationConfig,
            // The trial's own values win over the grid-wide overrides.
            overrides: { ...input.overrides, ...outcome.params },
            seed: input.seed + (input.seedPerTrial ? outcome.index : 0),
            syntheticTokens: input.syntheticTokens,
            ...(input.nEnvs !== undefined ? { nEnvs: input.nEnvs } : {}),
            ...(input.warmStart ? { warmStart: input.warmStart } : {}),
            ...(input.warmStartSteps !== undefined ? { warmStartSteps: input.warmStartSteps } : {}),
            benchConfig: input.benchConfig,
            gpu,
            trialKey: outcome.trialKey,
            ...(params ? { label: params } : {}),
            runId,
            heartbeatTimeoutS: input.heartbeatTimeoutS,
            maxAttempts: input.maxAttempts,
            ...(input.totalSteps !== undefined ? { totalSteps: input.totalSteps } : {}),
            ...(input.checkpointEverySteps !== undefined
              ? { checkpointEverySteps: input.checkpointEverySteps }
              : {}),
          },
        ],
        staticSummary: `trial ${outcome.trialKey}${params ? ` ${params}` : ''} on gpu-${gpu}`,
        typedSearchAttributes: runTags({
          stage: Stage.train,
          runId,
          trial: outcome.trialKey,
          gpuQueue: gpuTaskQueue(gpu),
        }),
      })
        .then((r) => {
          outcome.status = 'completed';
          outcome.meanEpisodeReward = r.meanEpisodeReward;
          outcome.dir = r.dir;
          outcome.cudaVisibleDevices = r.cudaVisibleDevices;
          outcome.bestCheckpoint = r.bestCheckpoint;
          outcome.finalCheckpoint = r.finalCheckpoint;
          outcome.hit = r.hit;
        })
        .catch((err: unknown) => {
          if (isCancellation(err)) throw err;
          // One bad trial must not end the search: record it and go on.
          outcome.status = 'failed';
          outcome.error = errorMessage(err);
        })
        .finally(() => {
          freeGpus.push(gpu);
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
