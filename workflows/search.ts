/**
 * SearchWorkflow: a hyperparameter search over the training config. `loadSearch` checks the search config and
 * reads the study file; then, while the trial budget and wall time last, `suggestTrial` asks the sampler (random,
 * TPE or grid) for a trial and a child TrainWorkflow (`<id>/train/<trialKey>`) runs it on a free GPU queue — at most
 * one trial per queue. Each TrainWorkflow forwards its progress here; at each ASHA rung a trial outside the top
 * 1/η of the values recorded there is stopped by cancelling its child (the trainer checkpoints and ends). The
 * study file is rewritten after every change, so a restarted search resumes where it was (trials it had started run
 * again, as cache hits where they had finished) and a search started later on the same study with a larger budget
 * runs only the new trials.
 */
import {
  ApplicationFailure,
  CancellationScope,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import {
  ashaContinues,
  ashaRungs,
  definedFields,
  markdownTable,
  paramsSummary,
  rankingNote,
  rankSearchTrials,
  rewardColumns,
  type SearchResult,
  type SearchStatus,
  type SearchTrial,
  SearchWorkflowInput,
  Stage,
} from '../contracts/index.js';
import {
  type Activities,
  QUICK_RETRY,
  searchStatusQuery,
  searchTrialProgressSignal,
  validateInput,
} from '../contracts/temporal/index.js';
import { joinRun } from './join-run.js';
import { GpuSlots, keepResult, runTrainTrial } from './train-trial.js';

const FINISHED = new Set(['completed', 'pruned', 'failed']);

/** The trials as a Markdown table (the result's and the Web UI's); the best starred (rankSearchTrials). */
export function searchTable(trials: readonly SearchTrial[]): string {
  const { best, criterion } = rankSearchTrials(trials);
  const rankable = trials.map((t) => ({ ...t, meanEpisodeReward: t.value ?? null }));
  const rewards = rewardColumns(rankable, criterion);
  const note = rankingNote(rankable, criterion);
  const table = markdownTable(
    ['#', 'trial', 'params', 'status', 'gpu', 'steps', ...rewards.header, 'rungs', 'best checkpoint / error'],
    trials.map((t) => [
      t.index,
      `${t === best ? '★ ' : ''}${t.trialKey}`,
      paramsSummary(t.params, 80),
      t.status + (t.hit ? ' (cache hit)' : ''),
      t.gpu === undefined ? '' : `gpu-${t.gpu}`,
      t.steps ?? '',
      ...rewards.cells({ ...t, meanEpisodeReward: t.value ?? null }, (x) => x.toFixed(3)),
      Object.entries(t.rungs)
        .map(([r, v]) => `${r}:${v.toFixed(2)}`)
        .join(' '),
      t.bestCheckpoint ? `\`${t.bestCheckpoint}\`` : (t.error ?? ''),
    ]),
  );
  return note ? `${table}\n\n${note}` : table;
}

/** What a trial keeps of its TrainWorkflow's result (besides its value, the mean episode reward). */
const SEARCH_RESULT_FIELDS = ['steps', 'dir', 'bestCheckpoint', 'evalReward', 'hit'] as const;

export async function SearchWorkflow(raw: SearchWorkflowInput): Promise<SearchResult> {
  const input = validateInput('SearchWorkflow', SearchWorkflowInput, raw);
  const parentId = workflowInfo().workflowId;
  const runId = joinRun(Stage.search, input.runId);
  const startedAt = Date.now();
  const { loadSearch, suggestTrial, saveStudy } = proxyActivities<Activities>({
    startToCloseTimeout: '5m',
    retry: QUICK_RETRY,
  });
  let trials: SearchTrial[] = [];
  const status = (): SearchStatus => ({
    study: input.study,
    total: trials.length,
    completed: trials.filter((t) => t.status === 'completed').length,
    pruned: trials.filter((t) => t.status === 'pruned').length,
    failed: trials.filter((t) => t.status === 'failed').length,
    running: trials.filter((t) => t.status === 'running').length,
    trials,
  });
  // Registered before anything runs, so a client can ask from the first moment.
  setHandler(searchStatusQuery, status, {
    description: 'every trial: values, status, GPU, curve, rung values, result',
  });
  setCurrentDetails(`**Search** — loading ${input.searchConfig} and study ${input.study}`);
  const { searchConfig, trainingConfig, overrides, study, trials: budget, wallTimeS, totalSteps } = input;
  const { plan, trials: loaded } = await loadSearch(
    definedFields({ searchConfig, trainingConfig, overrides, study, trials: budget, wallTimeS, totalSteps }),
  );
  // Trials a stopped search had started run again (with the same values, so a finished run is a cache hit).
  trials = loaded.map((t) =>
    FINISHED.has(t.status) ? t : { ...t, status: 'pending', curve: [], rungs: {} },
  );
  const reused = trials.filter((t) => FINISHED.has(t.status)).length;
  const byKey = new Map(trials.map((t) => [t.trialKey, t]));
  const rungs =
    plan.pruner.kind === 'asha'
      ? ashaRungs(plan.pruner.minSteps, plan.pruner.reductionFactor, plan.maxSteps)
      : [];
  const eta = plan.pruner.kind === 'asha' ? plan.pruner.reductionFactor : 1;
  const scopes = new Map<string, CancellationScope>();
  const stopping = new Set<string>();
  let started = 0;

  const show = () => {
    const s = status();
    setCurrentDetails(
      `**Search** ${input.study} (${plan.sampler}, ${plan.pruner.kind === 'asha' ? `ASHA η=${eta} rungs ${rungs.join(', ') || 'none'}` : 'no pruning'}): ${s.completed} done, ${s.pruned} pruned, ${s.failed} failed, ${s.running} running of ${plan.trials}\n\n${searchTable(trials)}`,
    );
  };
  setHandler(
    searchTrialProgressSignal,
    (p) => {
      const t = byKey.get(p.trialKey);
      if (t?.status !== 'running' || p.meanEpisodeReward === undefined) return;
      t.steps = p.steps;
      t.value = p.meanEpisodeReward;
      // At most about 200 points per trial: reports come every few seconds for hours, and the curve lives in history.
      const last = t.curve.at(-1);
      if (!last || p.steps - last[0] >= plan.maxSteps / 200) t.curve.push([p.steps, p.meanEpisodeReward]);
      for (const rung of rungs) {
        if (p.steps < rung || t.rungs[rung] !== undefined || stopping.has(t.trialKey)) continue;
        t.rungs[rung] = p.meanEpisodeReward;
        const atRung = trials.flatMap((o) => (o.rungs[rung] === undefined ? [] : [o.rungs[rung]!]));
        if (!ashaContinues(atRung, p.meanEpisodeReward, eta)) {
          stopping.add(t.trialKey);
          scopes.get(t.trialKey)?.cancel();
        }
      }
      show();
    },
    { description: 'progress of a trial (forwarded by its TrainWorkflow)' },
  );
  show();

  const save = () => saveStudy({ plan, trials });
  const gpus = new GpuSlots(input.gpus);
  const running: Promise<void>[] = [];
  let stoppedBy: SearchResult['stoppedBy'] = 'trials';

  const runTrial = (t: SearchTrial, gpu: number) => {
    const scope = new CancellationScope();
    scopes.set(t.trialKey, scope);
    return runTrainTrial(
      { trialKey: t.trialKey, params: t.params, workflowId: t.workflowId! },
      {
        parent: input,
        runId,
        gpu,
        seed: input.seed,
        summaryPrefix: `search trial ${t.index}`,
        extra: { totalSteps: plan.maxSteps, forwardProgress: true },
        scope,
      },
      {
        completed: (r) => {
          t.status = 'completed';
          t.value = r.meanEpisodeReward;
          keepResult(t, r, SEARCH_RESULT_FIELDS);
        },
        failed: (error) => {
          t.status = 'failed';
          t.error = error;
        },
        stoppedOnPurpose: () => {
          if (!stopping.has(t.trialKey)) return false;
          t.status = 'pruned';
          return true;
        },
      },
    )
      .finally(() => {
        scopes.delete(t.trialKey);
        gpus.give(gpu);
        show();
      })
      .then(save);
  };

  for (;;) {
    await gpus.available();
    let next = trials.find((t) => t.status === 'pending');
    if (!next) {
      if (trials.length >= plan.trials) {
        stoppedBy = 'trials';
        break;
      }
      if (plan.wallTimeS !== null && Date.now() - startedAt >= plan.wallTimeS * 1000) {
        stoppedBy = 'wall-time';
        break;
      }
      const suggestion = await suggestTrial({
        searchConfig: input.searchConfig,
        trainingConfig: input.trainingConfig,
        overrides: input.overrides,
        plan,
        index: trials.length,
        // The sampler needs values and results, not curves: the activity's input stays small.
        history: trials.map((t) => ({ ...t, curve: [] })),
      });
      if (!suggestion) {
        stoppedBy = 'exhausted';
        break;
      }
      next = { ...suggestion, index: trials.length, status: 'pending', curve: [], rungs: {} };
      trials.push(next);
      byKey.set(next.trialKey, next);
    }
    const gpu = gpus.take();
    next.status = 'running';
    next.gpu = gpu;
    next.workflowId = `${parentId}/train/${next.trialKey}`;
    started++;
    show();
    // The study names the trial before it runs, so a restarted search runs the same values again.
    await save();
    running.push(runTrial(next, gpu));
  }
  await Promise.all(running);
  show();
  const s = status();
  const { best, criterion } = rankSearchTrials(trials);
  if (!best && s.pruned === 0) {
    throw ApplicationFailure.create({
      type: 'SearchFailed',
      nonRetryable: true,
      message: `no trial of study ${input.study} completed; first error: ${trials.find((t) => t.error)?.error ?? 'no trials'}`,
      details: [searchTable(trials)],
    });
  }
  return {
    ...s,
    runId,
    reused,
    started,
    stoppedBy,
    ...(best
      ? {
          best: {
            trialKey: best.trialKey,
            params: best.params,
            value: best.value ?? null,
            ...(typeof best.evalReward === 'number' ? { evalReward: best.evalReward } : {}),
            rankedBy: criterion,
            ...(best.bestCheckpoint ? { bestCheckpoint: best.bestCheckpoint } : {}),
          },
        }
      : {}),
    studyFile: plan.studyFile,
    table: searchTable(trials),
  };
}
