/**
 * The run report: one JSON document per pipeline run (or `migflow bench`, `run grid`) that answers "which trial won,
 * by how much, against which baseline, at what cost" — the stage table, profiling and fit, the grid's trials named
 * by their parameters with their learning curves, the bench comparison — and that run-report-html.ts turns into
 * one self-contained page. Built from the stage results the pipeline already returns plus each trial's
 * logs/episodes.jsonl; nothing here reruns anything.
 */

import { copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  type BenchEntry,
  type BenchPolicyResult,
  type BenchStartRule,
  type DeployResult,
  type GridTrialOutcome,
  type PipelineResult,
  paramsSummary,
  REWARD_CRITERION_WORDS,
  type RewardCriterion,
  rankTrials,
  type SearchTrialStatus,
  type StageOutcome,
  VALIDATE_METRICS,
  type ValidateMetricName,
  type ValidateVerdict,
  type ValidateWorkflowResult,
} from '../../contracts/index.js';
import type { ReportTaskScores } from './suite-report.js';

export const RUN_REPORT_FORMAT = 'migflow-run-report/1';

/** A point of a learning curve: SB3's rollout/ep_rew_mean (mean of the last ≤ 100 episodes) at `steps`. */
export interface CurvePoint {
  steps: number;
  meanReward: number;
}

export interface ReportTrial {
  trialKey: string;
  /** The trial's parameters as people read them (`affinity_bonus_weight=0.1`); the key stays the id. */
  label: string;
  params: Record<string, unknown>;
  status: GridTrialOutcome['status'] | SearchTrialStatus;
  gpu?: number;
  meanEpisodeReward: number | null;
  /** Held-out evaluation reward of the trial's best checkpoint (training.evaluation on). */
  evalReward?: number;
  /** Search trials: env steps reached (where a pruned trial stopped). */
  steps?: number;
  /** Search trials under ASHA: rung (env steps) → the mean episode reward judged there. */
  rungs?: Record<string, number>;
  bestCheckpoint?: string;
  dir?: string;
  hit?: boolean;
  error?: string;
  /** The best trial by the report's `trialsRankedBy` (rankTrials). */
  best: boolean;
  curve: CurvePoint[];
}

export interface ReportPolicy {
  /** What tables and charts show: the baseline's name, or `rl: <trial label>`. */
  name: string;
  /** The bench's own policy name (`heuristic`, `rl:<run>-rl_model_N_steps`). */
  policy: string;
  kind: 'rl' | 'baseline';
  trialKey?: string;
  checkpoint?: string;
  dir?: string;
  hit?: boolean;
  entry: BenchEntry;
}

/** One validation metric of one agent: simulator, engine, relative error, the threshold it must stay within. */
export interface ReportValidationMetric {
  metric: ValidateMetricName;
  sim: number;
  engine: number;
  error: number;
  /** The error's confidence interval; null in results written before intervals. */
  interval: [number, number] | null;
  threshold: number | null;
  /** pass / inconclusive / fail (results without intervals: pass or fail against the bare threshold). */
  verdict: ValidateVerdict;
  pass: boolean;
}

export interface ReportValidation {
  pass: boolean;
  confidence: number | null;
  dir: string;
  agents: { agent: string; pass: boolean; metrics: ReportValidationMetric[] }[];
}

/** Why a validation passed: every interval within its threshold, or some inconclusive (straddling it). */
function validationPassNote(v: Omit<ValidateWorkflowResult, 'runId'>): string {
  const unsettled = v.agents.flatMap((a) =>
    VALIDATE_METRICS.filter((m) => a.verdict?.[m] === 'inconclusive').map((m) => `${a.agent} ${m}`),
  );
  return unsettled.length === 0
    ? 'every error within its threshold'
    : `no error shown above its threshold; inconclusive: ${unsettled.join(', ')}`;
}

/** The validate stage's result as the report shows it: one row per (agent, metric), the failed ones marked. */
export function reportValidation(v: Omit<ValidateWorkflowResult, 'runId'>): ReportValidation {
  return {
    pass: v.pass,
    confidence: v.confidence ?? null,
    dir: v.dir,
    agents: v.agents.map((a) => ({
      agent: a.agent,
      pass: a.failed.length === 0,
      metrics: VALIDATE_METRICS.map((m) => ({
        metric: m,
        sim: a.sim[m],
        engine: a.engine[m],
        error: a.error[m],
        interval: a.interval?.[m] ?? null,
        threshold: v.thresholds?.[m] ?? null,
        verdict: a.verdict?.[m] ?? (a.failed.includes(m) ? 'fail' : 'pass'),
        pass: !a.failed.includes(m),
      })),
    })),
  };
}

export interface ReportLink {
  label: string;
  href: string;
}

export interface RunReport {
  format: typeof RUN_REPORT_FORMAT;
  kind: 'pipeline' | 'bench' | 'grid' | 'search';
  runId: string;
  title: string;
  generatedAt: string;
  /** The answer first: who won, by how much, against which baseline, at what cost. */
  headline: string[];
  /** The suite task (easy, medium, hard, or a task file) whose workload the bench ran, when it named one. */
  task?: string;
  stages?: (StageOutcome & { dir?: string })[];
  profiling?: {
    model: string;
    profile: string;
    gpu: number;
    kvCacheGb: number;
    restartTimeS: number;
    hit: boolean;
    dir: string;
  }[];
  fit?: {
    file: string;
    changed: boolean;
    rows: {
      model: string;
      profile: string;
      prefill: { alpha: number; beta: number; sigma: number; r_squared: number | null };
      tpot: { alpha: number; beta: number; sigma: number; r_squared: number | null };
      dir: string;
      /** The fit's figures as data: URIs, so the page needs no other file. */
      plots: { name: string; dataUri: string }[];
    }[];
    /** Per profiled (GPU, profile): the measured power written, or why the documented default stays. */
    power?: string[];
  };
  trials?: ReportTrial[];
  /** What ranked the trials (and chose `best`): held-out evaluation reward when every completed trial has one. */
  trialsRankedBy?: RewardCriterion;
  /** A search study's settings (kind `search`): the trials are its trials. */
  search?: {
    study: string;
    studyFile: string;
    sampler: string;
    pruner: string;
    maxSteps: number;
    /** The trial budget the study was last run with. */
    budget: number;
  };
  /** The simulator-versus-engine validation (stages.validate): per agent and metric the error and its threshold. */
  validation?: ReportValidation;
  bench?: {
    totalRequests: number;
    steps: number;
    policies: ReportPolicy[];
    /** Where the trials started (`--start`); absent for entries written before the rule was recorded. */
    start?: BenchStartRule;
  };
  /** A task-suite bench (`migflow bench --task …`): every policy on every task with its normalised scores. */
  suite?: { tasks: ReportTaskScores[] };
  /** The live deployment, when the run had one: its policy, requests, actions and report files. */
  deploy?: Omit<DeployResult, 'removedContainers'> & { policy: string };
  /** The trials' TensorBoard runs under their labels (see tensorboardByLabel): `tensorboard --logdir` it. */
  tensorboard?: string;
  links: ReportLink[];
}

/** `affinity_bonus_weight=0.1 n_steps=64`, or `defaults` for a trial without values of its own. */
export function trialLabel(params: Readonly<Record<string, unknown>>): string {
  return paramsSummary(params, 80) || 'defaults';
}

const MAX_CURVE_POINTS = 200;

/** A trial's learning curve from `<dir>/logs/episodes.jsonl`, thinned to at most 200 points (the last kept). */
export function readLearningCurve(runDir: string): CurvePoint[] {
  const file = join(runDir, 'logs', 'episodes.jsonl');
  if (!existsSync(file)) return [];
  const points: CurvePoint[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const e = JSON.parse(line) as { steps?: number; meanReward100?: number };
      if (
        typeof e.steps === 'number' &&
        typeof e.meanReward100 === 'number' &&
        Number.isFinite(e.meanReward100)
      )
        points.push({ steps: e.steps, meanReward: e.meanReward100 });
    } catch {
      // A line cut by a crash: the rest of the curve still shows.
    }
  }
  if (points.length <= MAX_CURVE_POINTS) return points;
  const every = points.length / MAX_CURVE_POINTS;
  const thinned = Array.from({ length: MAX_CURVE_POINTS - 1 }, (_, i) => points[Math.floor(i * every)]!);
  thinned.push(points.at(-1)!);
  return thinned;
}

/** The grid's trials for the report: labelled, the best marked (rankTrials), each with its learning curve. */
export function reportTrials(trials: readonly GridTrialOutcome[]): ReportTrial[] {
  const { best } = rankTrials(trials);
  return [...trials]
    .sort((a, b) => a.index - b.index)
    .map((t) => ({
      trialKey: t.trialKey,
      label: trialLabel(t.params),
      params: t.params,
      status: t.status,
      ...(t.gpu !== undefined ? { gpu: t.gpu } : {}),
      meanEpisodeReward: t.meanEpisodeReward ?? null,
      ...(typeof t.evalReward === 'number' ? { evalReward: t.evalReward } : {}),
      ...(t.bestCheckpoint ? { bestCheckpoint: t.bestCheckpoint } : {}),
      ...(t.dir ? { dir: t.dir } : {}),
      ...(t.hit !== undefined ? { hit: t.hit } : {}),
      ...(t.error ? { error: t.error } : {}),
      best: t === best,
      curve: t.dir ? readLearningCurve(t.dir) : [],
    }));
}

/** What ranks the report's trials (they are in index order): rankTrials' criterion over the same values. */
export function trialsRankedBy(trials: readonly ReportTrial[]): RewardCriterion {
  return rankTrials(trials.map((t, index) => ({ ...t, index }))).criterion;
}

/** `rl_model_1536_steps` of a checkpoint path, for naming which checkpoint of a trial was benched. */
function checkpointStem(path: string): string {
  return path.split('/').filter(Boolean).at(-1) ?? path;
}

/** One bench trial as the report needs it (BenchPolicyResult has it all; `migflow bench` has no cache facts). */
export type BenchRow = Pick<BenchPolicyResult, 'policy' | 'entry'> &
  Partial<Pick<BenchPolicyResult, 'checkpoint' | 'dir' | 'hit'>>;

/**
 * The start rule of a bench's trials. A bench run has one (BenchWorkflow, `migflow bench`); undefined when no entry
 * recorded it, or when rows of different runs were put together (the comparison table lists those per rule).
 */
export function benchStartRule(results: readonly BenchRow[]): BenchStartRule | undefined {
  const rules = new Set(results.map((r) => r.entry.start));
  const [only] = rules;
  return rules.size === 1 ? only : undefined;
}

function startField(results: readonly BenchRow[]): { start?: BenchStartRule } {
  const start = benchStartRule(results);
  return start ? { start } : {};
}

/**
 * The bench results as the report names them: an RL checkpoint that belongs to a trial is `rl: <its parameters>`
 * instead of its cache hash; baselines keep their names.
 */
export function reportPolicies(
  results: readonly BenchRow[],
  trials: readonly ReportTrial[] = [],
): ReportPolicy[] {
  return results.map((r) => {
    const trial = r.checkpoint ? trials.find((t) => t.bestCheckpoint === r.checkpoint) : undefined;
    const isRl = r.checkpoint !== undefined || r.entry.policy.startsWith('rl:');
    const name = trial
      ? `rl: ${trial.label}`
      : isRl && r.checkpoint
        ? `rl: ${checkpointStem(r.checkpoint)}`
        : r.entry.policy;
    return {
      name,
      policy: r.entry.policy,
      kind: isRl ? 'rl' : 'baseline',
      ...(trial ? { trialKey: trial.trialKey } : {}),
      ...(r.checkpoint ? { checkpoint: r.checkpoint } : {}),
      ...(r.dir ? { dir: r.dir } : {}),
      ...(r.hit !== undefined ? { hit: r.hit } : {}),
      entry: r.entry,
    };
  });
}

/**
 * Mean TTFT over all agents' counted requests (the agents weighted by how many each counts: its completed ones plus,
 * under the KV-capacity rule, its unfinished ones, which its mean includes censored).
 */
export function meanTtft(entry: BenchEntry): number {
  const counted = (a: BenchEntry['agents'][number]) => a.completedRequests + (a.unfinishedRequests ?? 0);
  const done = entry.agents.reduce((s, a) => s + counted(a), 0);
  if (done === 0) return Number.NaN;
  return entry.agents.reduce((s, a) => s + a.meanTtftS * counted(a), 0) / done;
}

export function reconfigurations(entry: BenchEntry): number {
  return entry.agents.reduce((s, a) => s + a.splitCount + a.mergeCount + a.transferCount, 0);
}

const fmt = (x: number, digits = 3) =>
  Number.isFinite(x) ? (Math.abs(x) >= 1000 ? x.toFixed(0) : x.toPrecision(digits)) : 'n/a';

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

function identicalEntries(a: BenchEntry, b: BenchEntry): boolean {
  const strip = (e: BenchEntry) => JSON.stringify({ ...e, policy: '', runName: '' });
  return strip(a) === strip(b);
}

/**
 * The answer in a few sentences: the best trial (rankTrials' criterion), the best RL policy and the best baseline
 * by the bench's training-reward column (what RL optimises), the gap on reward and on mean TTFT, the reconfigurations it took, and the training that bought it.
 */
export function headline(
  policies: readonly ReportPolicy[],
  trials: readonly ReportTrial[] = [],
  trainMs?: number,
): string[] {
  const lines: string[] = [];
  const byReward = (a: ReportPolicy, b: ReportPolicy) =>
    (b.entry.reward?.total ?? -Infinity) - (a.entry.reward?.total ?? -Infinity);
  const rl = policies.filter((p) => p.kind === 'rl').sort(byReward);
  const baselines = policies.filter((p) => p.kind === 'baseline').sort(byReward);
  const bestTrial = trials.find((t) => t.best);
  if (bestTrial) {
    const evaluated =
      trialsRankedBy(trials) === 'eval_reward'
        ? `held-out evaluation reward ${fmt(bestTrial.evalReward!)}, `
        : '';
    lines.push(
      `Best trial by ${REWARD_CRITERION_WORDS[trialsRankedBy(trials)]}: ${bestTrial.label} (${evaluated}mean episode reward ${fmt(bestTrial.meanEpisodeReward ?? Number.NaN)}, ${trials.filter((t) => t.status === 'completed').length} of ${trials.length} trials completed).`,
    );
  }
  const topRl = rl[0];
  const topBase = baselines[0];
  if (topRl?.entry.reward && topBase?.entry.reward) {
    const d = topRl.entry.reward.total - topBase.entry.reward.total;
    // A percentage of a reward near zero says nothing (+18 000 %): only relative to a base of some size.
    const base = Math.abs(topBase.entry.reward.total);
    const pct = base >= 1 && base >= Math.abs(d) / 10 ? (100 * d) / base : Number.NaN;
    const ttftRl = meanTtft(topRl.entry);
    const ttftBase = meanTtft(topBase.entry);
    lines.push(
      `${d >= 0 ? 'Winner' : 'Best RL policy'}: ${topRl.name} — bench reward ${fmt(topRl.entry.reward.total)} vs the best baseline ${topBase.name} ${fmt(topBase.entry.reward.total)} (${d >= 0 ? '+' : ''}${fmt(d)}${Number.isFinite(pct) ? `, ${d >= 0 ? '+' : ''}${pct.toFixed(1)} %` : ''}); mean TTFT ${fmt(ttftRl)} s vs ${fmt(ttftBase)} s.`,
    );
    if (d < 0) lines.push(`No RL policy beat ${topBase.name} on this trace.`);
    lines.push(
      `Cost: ${plural(reconfigurations(topRl.entry), 'reconfiguration')} (split/merge/transfer) in ${topRl.entry.steps} decisions vs ${reconfigurations(topBase.entry)} for ${topBase.name}${trainMs !== undefined ? `; training took ${(trainMs / 1000).toFixed(1)} s of wall time` : ''}.`,
    );
  } else if (topBase?.entry.reward) {
    lines.push(`Best policy by bench reward: ${topBase.name} (${fmt(topBase.entry.reward.total)}).`);
  }
  const withEnergy = policies.filter((p) => p.entry.energy && Number.isFinite(p.entry.energy.totalJ));
  if (withEnergy.length > 1) {
    const byEdp = [...withEnergy].sort((a, b) => a.entry.energy!.edpJs - b.entry.energy!.edpJs);
    const best = byEdp[0]!;
    const worst = byEdp.at(-1)!;
    lines.push(
      `Energy: lowest energy-delay product ${best.name} (${fmt(best.entry.energy!.totalJ / 1000)} kJ, EDP ${fmt(best.entry.energy!.edpJs)} J·s), highest ${worst.name} (${fmt(worst.entry.energy!.totalJ / 1000)} kJ, EDP ${fmt(worst.entry.energy!.edpJs)} J·s).`,
    );
  }
  for (let i = 1; i < rl.length; i++) {
    const twin = rl.slice(0, i).find((p) => identicalEntries(p.entry, rl[i]!.entry));
    if (twin) {
      lines.push(
        `${rl[i]!.name} benched exactly like ${twin.name}: their checkpoints take the same decisions on this trace (the budget was too small for their parameters to matter).`,
      );
    }
  }
  return lines;
}

export interface PipelineReportOptions {
  workflowId: string;
  /** The Web UI's base URL and namespace, for links to the run's workflows. */
  webUi?: { url: string; namespace: string };
  generatedAt?: Date;
}

function pngDataUris(dir: string): { name: string; dataUri: string }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.png'))
    .sort()
    .map((f) => ({
      name: f,
      dataUri: `data:image/png;base64,${readFileSync(join(dir, f)).toString('base64')}`,
    }));
}

function workflowLink(webUi: PipelineReportOptions['webUi'], workflowId: string): string | undefined {
  if (!webUi) return undefined;
  return `${webUi.url}/namespaces/${encodeURIComponent(webUi.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

/** The report of a whole pipeline run, from PipelineWorkflow's result. */
export function pipelineRunReport(result: PipelineResult, o: PipelineReportOptions): RunReport {
  const trials = result.train ? reportTrials(result.train.trials) : [];
  const policies = result.bench ? reportPolicies(result.bench.results, trials) : [];
  const trainMs = result.stages.find((s) => s.stage === 'train')?.durationMs;
  const stageDir: Record<string, string | undefined> = {
    datasets: result.datasets?.datasets[0]?.dir,
    profiling: result.profiling?.profiles[0]?.dir,
    fit: result.fit?.fits[0]?.dir,
    train: trials[0]?.dir,
    bench: policies[0]?.dir,
  };
  const links: ReportLink[] = [];
  const top = workflowLink(o.webUi, o.workflowId);
  if (top && o.webUi) {
    links.push({ label: `PipelineWorkflow ${o.workflowId}`, href: top });
    links.push({
      label: `every workflow of run ${result.runId}`,
      href: `${o.webUi.url}/namespaces/${encodeURIComponent(o.webUi.namespace)}/workflows?query=${encodeURIComponent(`MigflowRunId = '${result.runId}'`)}`,
    });
    for (const s of result.stages) {
      const href = s.workflowId ? workflowLink(o.webUi, s.workflowId) : undefined;
      if (href) links.push({ label: `${s.stage}: ${s.workflowId}`, href });
    }
  }
  return {
    format: RUN_REPORT_FORMAT,
    kind: 'pipeline',
    runId: result.runId,
    title: `migflow pipeline ${result.runId}`,
    generatedAt: (o.generatedAt ?? new Date()).toISOString(),
    headline: [
      ...headline(policies, trials, trainMs),
      ...(result.validate
        ? [
            `Simulator validation: ${result.validate.pass ? 'PASS' : 'FAIL'} (${
              result.validate.agents.flatMap((a) => a.failed.map((m) => `${a.agent} ${m}`)).join(', ') ||
              validationPassNote(result.validate)
            }).`,
          ]
        : []),
    ],
    ...(result.bench?.task ? { task: result.bench.task } : {}),
    stages: result.stages.map((s) => {
      const dir = stageDir[s.stage];
      return { ...s, ...(dir ? { dir } : {}) };
    }),
    ...(result.profiling
      ? {
          profiling: result.profiling.profiles.map((p) => ({
            model: p.model,
            profile: p.profile,
            gpu: p.gpu,
            kvCacheGb: p.kvCacheGb,
            restartTimeS: p.restartTimeS,
            hit: p.hit,
            dir: p.dir,
          })),
        }
      : {}),
    ...(result.fit
      ? {
          fit: {
            file: result.fit.writeBack.file,
            changed: result.fit.writeBack.changed,
            ...(result.fit.writeBack.power ? { power: result.fit.writeBack.power } : {}),
            rows: result.fit.fits.map((f) => ({
              model: f.model,
              profile: f.profile,
              prefill: {
                alpha: f.prefill.alpha,
                beta: f.prefill.beta,
                sigma: f.prefill.sigma,
                r_squared: f.prefill.r_squared,
              },
              tpot: {
                alpha: f.tpot.alpha,
                beta: f.tpot.beta,
                sigma: f.tpot.sigma,
                r_squared: f.tpot.r_squared,
              },
              dir: f.dir,
              plots: pngDataUris(f.dir),
            })),
          },
        }
      : {}),
    ...(result.train ? { trials, trialsRankedBy: trialsRankedBy(trials) } : {}),
    ...(result.validate ? { validation: reportValidation(result.validate) } : {}),
    ...(result.deploy
      ? {
          deploy: {
            deploymentId: result.deploy.deploymentId,
            policy: result.deploy.policy,
            windows: result.deploy.windows,
            requests: result.deploy.requests,
            actions: result.deploy.actions,
            faults: result.deploy.faults,
            reportFiles: result.deploy.reportFiles,
            ...(result.deploy.energy ? { energy: result.deploy.energy } : {}),
          },
        }
      : {}),
    ...(result.bench
      ? {
          bench: {
            totalRequests: result.bench.results[0]?.totalRequests ?? 0,
            steps: result.bench.results[0]?.entry.steps ?? 0,
            policies,
            ...startField(result.bench.results),
          },
        }
      : {}),
    links,
  };
}

/** The report of a grid search on its own (`migflow run grid`). */
export function gridRunReport(
  runId: string,
  trials: readonly GridTrialOutcome[],
  o: Omit<PipelineReportOptions, 'workflowId'> & { workflowId?: string } = {},
): RunReport {
  const rows = reportTrials(trials);
  const top = o.workflowId ? workflowLink(o.webUi, o.workflowId) : undefined;
  return {
    format: RUN_REPORT_FORMAT,
    kind: 'grid',
    runId,
    title: `migflow grid search ${runId}`,
    generatedAt: (o.generatedAt ?? new Date()).toISOString(),
    headline: headline([], rows),
    trials: rows,
    trialsRankedBy: trialsRankedBy(rows),
    links: top ? [{ label: `GridSearchWorkflow ${o.workflowId}`, href: top }] : [],
  };
}

/** The report of a benchmark on its own (`migflow bench`, `migflow run bench`). */
export function benchRunReport(
  runId: string,
  results: readonly BenchRow[],
  totalRequests: number,
  o: { generatedAt?: Date; links?: ReportLink[]; task?: string } = {},
): RunReport {
  const policies = reportPolicies(results);
  return {
    format: RUN_REPORT_FORMAT,
    kind: 'bench',
    runId,
    title: `migflow bench ${runId}${o.task ? ` — task ${o.task}` : ''}`,
    generatedAt: (o.generatedAt ?? new Date()).toISOString(),
    headline: headline(policies),
    ...(o.task ? { task: o.task } : {}),
    bench: { totalRequests, steps: results[0]?.entry.steps ?? 0, policies, ...startField(results) },
    links: o.links ?? [],
  };
}

/**
 * `<dir>/<trial label>/events.out.tfevents.*`: each trial's TensorBoard files under its parameters' name, so
 * `tensorboard --logdir <dir>` lists runs as `affinity_bonus_weight=0.1` instead of cache hashes. Hard links (the
 * event files are the trial's own; TensorBoard does not follow symlinked folders), a copy where links fail
 * (another file system). Returns the folder, or undefined when no trial has event files.
 */
export function tensorboardByLabel(dir: string, trials: readonly ReportTrial[]): string | undefined {
  let any = false;
  rmSync(dir, { recursive: true, force: true });
  for (const t of trials) {
    const src = t.dir ? join(t.dir, 'tensorboard') : undefined;
    if (!src || !existsSync(src)) continue;
    const dst = join(dir, t.label.replace(/[/\\]/g, '_'));
    mkdirSync(dst, { recursive: true });
    for (const f of readdirSync(src)) {
      try {
        linkSync(join(src, f), join(dst, f));
      } catch {
        copyFileSync(join(src, f), join(dst, f));
      }
      any = true;
    }
  }
  return any ? dir : undefined;
}
