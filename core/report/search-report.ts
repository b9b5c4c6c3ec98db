/**
 * The run report of a search study (SearchWorkflow, `migflow run search --study NAME`): every trial with its values,
 * status (pruned ones with the steps they reached and the rung values that stopped them), its learning curve as the
 * pruner saw it, and the best trial — written beside the study file (artifacts/search/<study>/report.html and
 * report.json) each time the study is saved, so the page is as current as the study.
 */
import { basename, dirname } from 'node:path';
import { rankSearchTrials, type SearchPlan, type SearchTrial } from '../../contracts/index.js';
import {
  type CurvePoint,
  headline,
  type ReportTrial,
  RUN_REPORT_FORMAT,
  type RunReport,
  readLearningCurve,
  trialLabel,
  trialsRankedBy,
} from './run-report.js';

/** The study's trials for the report: the best completed one (rankSearchTrials) marked. */
export function searchReportTrials(trials: readonly SearchTrial[]): ReportTrial[] {
  const { best } = rankSearchTrials(trials);
  return [...trials]
    .sort((a, b) => a.index - b.index)
    .map((t) => {
      const curve: CurvePoint[] = t.curve.map(([steps, meanReward]) => ({ steps, meanReward }));
      return {
        trialKey: t.trialKey,
        label: trialLabel(t.params),
        params: t.params,
        status: t.status,
        ...(t.gpu !== undefined ? { gpu: t.gpu } : {}),
        meanEpisodeReward: typeof t.value === 'number' ? t.value : null,
        ...(typeof t.evalReward === 'number' ? { evalReward: t.evalReward } : {}),
        ...(t.steps !== undefined ? { steps: t.steps } : {}),
        ...(Object.keys(t.rungs).length ? { rungs: t.rungs } : {}),
        ...(t.bestCheckpoint ? { bestCheckpoint: t.bestCheckpoint } : {}),
        ...(t.dir ? { dir: t.dir } : {}),
        ...(t.hit !== undefined ? { hit: t.hit } : {}),
        ...(t.error ? { error: t.error } : {}),
        best: t === best,
        // A trial resumed from a cache hit has no forwarded progress: its curve is in its own episodes log.
        curve: curve.length > 0 || !t.dir ? curve : readLearningCurve(t.dir),
      };
    });
}

export function searchRunReport(
  plan: SearchPlan,
  trials: readonly SearchTrial[],
  o: { generatedAt?: Date; workflowId?: string } = {},
): RunReport {
  const study = basename(dirname(plan.studyFile));
  const rows = searchReportTrials(trials);
  const count = (s: SearchTrial['status']) => trials.filter((t) => t.status === s).length;
  const pruner =
    plan.pruner.kind === 'asha'
      ? `ASHA (η=${plan.pruner.reductionFactor}, first rung at ${plan.pruner.minSteps} steps)`
      : 'no pruning';
  return {
    format: RUN_REPORT_FORMAT,
    kind: 'search',
    runId: o.workflowId ?? `search/${study}`,
    title: `migflow search study ${study}`,
    generatedAt: (o.generatedAt ?? new Date()).toISOString(),
    headline: [
      ...headline([], rows),
      `${trials.length} of ${plan.trials} trials (${plan.sampler} sampler, ${pruner}, ${plan.maxSteps} steps each): ${count('completed')} completed, ${count('pruned')} pruned, ${count('failed')} failed, ${count('running') + count('pending')} running or pending.`,
    ],
    search: {
      study,
      studyFile: plan.studyFile,
      sampler: plan.sampler,
      pruner,
      maxSteps: plan.maxSteps,
      budget: plan.trials,
    },
    trials: rows,
    trialsRankedBy: trialsRankedBy(rows),
    links: [],
  };
}
