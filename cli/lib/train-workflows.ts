/**
 * Runs TrainWorkflow / GridSearchWorkflow through Temporal with a progress display: a cli-progress bar per run on a
 * terminal (from the workflows' queries), one plain line per 10 % (or status change) otherwise.
 */
import { relative } from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import cliProgress from 'cli-progress';
import {
  finishedProgress,
  type GridSearchInput,
  type GridSearchResult,
  type GridSearchStatus,
  paramsSummary,
  rankingNote,
  rankTrials,
  rewardColumns,
  Stage,
  type TrainProgress,
  type TrainWorkflowInput,
  type TrainWorkflowResult,
} from '../../contracts/index.js';
import type { GridSearchWorkflow, TrainWorkflow } from '../../contracts/temporal/index.js';
import {
  gpuTaskQueue,
  gridStatusQuery,
  MAIN_TASK_QUEUE,
  trainProgressQuery,
} from '../../contracts/temporal/index.js';
import { PROJECT_ROOT } from '../../core/paths.js';
import { startWorkflow } from './client.js';
import { formatTable } from './table.js';
import { awaitWorkflow } from './workflow-run.js';

const POLL_MS = 1_000;

interface Display {
  update(label: string, p: TrainProgress): void;
  stop(): void;
}

function fmtReward(r: number | null | undefined): string {
  return r === undefined || r === null ? '—' : r.toFixed(3);
}

function barDisplay(): Display {
  const multi = new cliProgress.MultiBar(
    {
      format:
        '{label} {bar} {percentage}% | {value}/{total} steps | ep {episodes} | reward {reward} | {phase}',
      hideCursor: true,
      // stdout stays for the result (--json pipes it).
      stream: process.stderr,
      clearOnComplete: false,
      stopOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map<string, cliProgress.SingleBar>();
  return {
    update(label, p) {
      const payload = {
        label,
        episodes: p.episodes,
        reward: fmtReward(p.meanEpisodeReward),
        phase: p.attempt > 1 ? `${p.phase} (attempt ${p.attempt})` : p.phase,
      };
      const total = p.totalSteps ?? Math.max(p.steps, 1);
      let bar = bars.get(label);
      if (!bar) {
        bar = multi.create(total, p.steps, payload);
        bars.set(label, bar);
      }
      bar.setTotal(total);
      bar.update(p.steps, payload);
    },
    stop: () => multi.stop(),
  };
}

function lineDisplay(out: (line: string) => void): Display {
  const last = new Map<string, string>();
  return {
    update(label, p) {
      const pct = p.totalSteps ? Math.floor((10 * p.steps) / p.totalSteps) * 10 : 0;
      const key = `${p.phase}/${p.attempt}/${pct}`;
      if (last.get(label) === key) return;
      last.set(label, key);
      out(
        `${label}: ${p.phase}${p.attempt > 1 ? ` (attempt ${p.attempt})` : ''} ${p.steps}${p.totalSteps ? `/${p.totalSteps}` : ''} steps, ${p.episodes} episodes, mean reward ${fmtReward(p.meanEpisodeReward)}`,
      );
    },
    stop() {},
  };
}

function display(): Display {
  return process.stderr.isTTY ? barDisplay() : lineDisplay((l) => process.stderr.write(`${l}\n`));
}

/**
 * Waits for `handle`'s result while `poll` (every POLL_MS) feeds the progress display (none with
 * `progress: false`); a failed query (no worker yet) is retried quietly.
 */
async function watch<R>(
  client: Client,
  queues: readonly string[],
  handle: { workflowId: string; result(): Promise<R>; firstExecutionRunId: string },
  opts: { progress?: boolean },
  poll: (d: Display | undefined) => Promise<void>,
  finish: (d: Display | undefined, result: R) => void = () => {},
): Promise<{ result: R; runId: string }> {
  const d = opts.progress === false ? undefined : display();
  let settled = false;
  const finished = awaitWorkflow(client, handle, queues, (line) => {
    d?.stop();
    process.stderr.write(`${line}\n`);
  }).finally(() => {
    settled = true;
  });
  const loop = (async () => {
    while (!settled) {
      await poll(d).catch(() => {});
      await Promise.race([new Promise((r) => setTimeout(r, POLL_MS)), finished.catch(() => {})]);
    }
  })();
  try {
    let result: R;
    try {
      result = await finished;
    } finally {
      await loop;
    }
    finish(d, result);
    return { result, runId: handle.firstExecutionRunId };
  } finally {
    d?.stop();
  }
}

/** Starts a workflow, shows its progress until it ends, and returns its result and first run id. */
type WatchedRun<I, R> = (
  client: Client,
  run: { input: I; workflowId: string; progress?: boolean },
) => Promise<{ result: R; runId: string }>;

export const runTrainWorkflow: WatchedRun<TrainWorkflowInput, TrainWorkflowResult> = async (client, run) => {
  const { input, workflowId } = run;
  const gpu = input.gpu ?? 0;
  const params = paramsSummary(input.overrides ?? {});
  const handle = await startWorkflow<TrainWorkflow>(client, 'TrainWorkflow', input, {
    workflowId,
    runId: input.runId,
    summary: `train policy${params ? ` ${params}` : ''} on gpu-${gpu}`,
    stage: Stage.train,
    gpuQueue: gpuTaskQueue(gpu),
  });
  return watch(
    client,
    [MAIN_TASK_QUEUE, gpuTaskQueue(gpu)],
    handle,
    run,
    async (d) => d?.update(`gpu-${gpu}`, await handle.query(trainProgressQuery)),
    (d, result) => d?.update(`gpu-${gpu}`, finishedProgress(result)),
  );
};

export const runGridWorkflow: WatchedRun<GridSearchInput, GridSearchResult> = async (client, run) => {
  const { input, workflowId } = run;
  const gpus = (input.gpus ?? [0]).map((g) => `gpu-${g}`).join(', ');
  const handle = await startWorkflow<GridSearchWorkflow>(client, 'GridSearchWorkflow', input, {
    workflowId,
    runId: input.runId,
    summary: `grid search ${input.gridConfig ?? 'configs/grid_search.yaml'} on ${gpus}`,
    stage: Stage.gridSearch,
  });
  const children = new Map<string, WorkflowHandle<TrainWorkflow>>();
  const queues = [MAIN_TASK_QUEUE, ...(input.gpus ?? [0]).map(gpuTaskQueue)];
  return watch(client, queues, handle, run, async (d) => {
    const status: GridSearchStatus = await handle.query(gridStatusQuery);
    for (const t of status.trials) {
      if (t.status === 'pending') continue;
      let child = children.get(t.workflowId);
      if (!child) {
        child = client.workflow.getHandle<TrainWorkflow>(t.workflowId);
        children.set(t.workflowId, child);
      }
      const p = await child.query(trainProgressQuery).catch(() => undefined);
      if (p) d?.update(`${t.trialKey} ${paramsSummary(t.params, 40)}`, p);
    }
  });
};

/** Paths inside the project relative to it (as users type them), others absolute. */
const rel = (p: string | undefined) => {
  if (!p) return '';
  const r = relative(PROJECT_ROOT, p);
  return r.startsWith('..') ? p : r;
};

export function trainTable(r: TrainWorkflowResult): string {
  return formatTable(
    [
      'steps',
      'episodes',
      'mean reward',
      'cache',
      'attempt',
      'backend',
      'best checkpoint',
      'final checkpoint',
    ],
    [
      [
        String(r.steps),
        String(r.episodes),
        fmtReward(r.meanEpisodeReward),
        r.hit ? 'hit' : 'ran',
        String(r.attempt),
        r.backend,
        rel(r.bestCheckpoint),
        rel(r.finalCheckpoint),
      ],
    ],
    new Set([0, 1, 2, 4]),
  );
}

/** The grid's trials, each named by its values (the best starred: rankTrials), its key beside as the id. */
export function gridResultTable(r: GridSearchResult): string {
  const { best, criterion } = rankTrials(r.trials);
  const rewards = rewardColumns(r.trials, criterion);
  const note = rankingNote(r.trials, criterion);
  const table = formatTable(
    ['trial', 'id', 'status', 'gpu', ...rewards.header, 'best checkpoint / error'],
    r.trials.map((t) => [
      `${t === best ? '* ' : ''}${paramsSummary(t.params, 60) || 'defaults'}`,
      t.trialKey,
      t.status + (t.hit ? ' (hit)' : ''),
      t.gpu === undefined ? '' : `gpu-${t.gpu}`,
      ...rewards.cells(t, (x) => fmtReward(x)).map((c) => c || fmtReward(undefined)),
      t.bestCheckpoint ? rel(t.bestCheckpoint) : (t.error ?? ''),
    ]),
    new Set(rewards.header.map((_, i) => 4 + i)),
  );
  return note ? `${table}\n${note}` : table;
}
