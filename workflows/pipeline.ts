/**
 * PipelineWorkflow: the whole pipeline as one durable run. Each stage is a child workflow with a derived id
 * (`<pipelineId>/<stage>`), so the Web UI shows one row per stage and a stage can be inspected, retried or reset on
 * its own: datasets → profiling sweep → fit and write-back → grid-search training → simulated bench (every trial's
 * best checkpoint beside the baselines) → optional deployment. Every stage is cached underneath, so a re-run with
 * unchanged inputs is all hits and a changed input re-runs only what depends on it.
 */
import {
  ApplicationFailure,
  executeChild,
  proxyActivities,
  setCurrentDetails,
  workflowInfo,
} from '@temporalio/workflow';
import {
  PipelineInput,
  type PipelineResult,
  rankTrials,
  Stage,
  type StageOutcome,
} from '../contracts/index.js';
import {
  type Activities,
  BOOKKEEPING_RETRY,
  gpuTaskQueue,
  runTags,
  validateInput,
} from '../contracts/temporal/index.js';
import { BenchWorkflow } from './bench.js';
import { DatasetWorkflow } from './dataset.js';
import { DeployWorkflow } from './deploy.js';
import { GridSearchWorkflow } from './grid-search.js';
import { joinRun } from './join-run.js';
import { FitWritebackWorkflow, ProfilingSweepWorkflow } from './profiling.js';
import { ValidateWorkflow } from './validate.js';

const { prepareWorkingConfig } = proxyActivities<Activities>({
  startToCloseTimeout: '1m',
  retry: BOOKKEEPING_RETRY,
  summary: 'working copy of the simulation config for the fit stage',
});
const { writeRunReport } = proxyActivities<Activities>({
  startToCloseTimeout: '2m',
  retry: BOOKKEEPING_RETRY,
  summary: 'run report: artifacts/pipeline/<run>/report.html and report.json',
});

const { checkInputFiles } = proxyActivities<Activities>({
  startToCloseTimeout: '1m',
  retry: BOOKKEEPING_RETRY,
  summary: 'check that every input file of the run exists',
});

/** Input field → path of every file the enabled stages read (checked before the first stage starts). */
function inputFiles(input: ReturnType<typeof validateInput<typeof PipelineInput>>): Record<string, string> {
  const files: Record<string, string> = { simulationConfig: input.simulationConfig };
  const s = input.stages;
  if (s.datasets)
    input.datasets.forEach((d, i) => {
      d.inputs.forEach((p, j) => {
        files[`datasets[${i}].inputs[${j}]`] = p;
      });
    });
  if (s.train) {
    if (input.train.gridConfig) files['train.gridConfig'] = input.train.gridConfig;
    if (input.train.trainingConfig) files['train.trainingConfig'] = input.train.trainingConfig;
  }
  if (s.bench) {
    if (input.bench.benchConfig) files['bench.benchConfig'] = input.bench.benchConfig;
    if (input.bench.trainingConfig) files['bench.trainingConfig'] = input.bench.trainingConfig;
    if (input.bench.trace) files['bench.trace.file'] = input.bench.trace.file;
  }
  if (s.deploy && input.deploy.deploymentConfig)
    files['deploy.deploymentConfig'] = input.deploy.deploymentConfig;
  return files;
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

export async function PipelineWorkflow(rawInput: PipelineInput): Promise<PipelineResult> {
  const input = validateInput('PipelineWorkflow', PipelineInput, rawInput);
  const pipelineId = workflowInfo().workflowId;
  const runId = input.runId ?? pipelineId;
  joinRun(Stage.pipeline, runId);
  const stages: StageOutcome[] = [];
  const result: PipelineResult = { runId, stages, simulationConfig: input.simulationConfig };
  // A missing file fails the run now, naming its field, not after the stages before the one that reads it.
  await checkInputFiles({ what: 'PipelineWorkflow', files: inputFiles(input) });
  // Two lines whatever the stage count: the panel shows about six.
  const progress = (current: string) =>
    setCurrentDetails(
      [
        `**Pipeline ${runId}** — ${current}`,
        stages
          .map(
            (s) =>
              `${s.stage} ${s.status}${s.status === 'skipped' ? '' : ` ${(s.durationMs / 1000).toFixed(1)} s`}`,
          )
          .join(' · '),
      ].join('\n'),
    );

  /** Runs one stage's child workflow and records hit/ran and its duration. */
  async function stage<T>(
    name: Stage,
    enabled: boolean,
    doing: string,
    run: (workflowId: string) => Promise<T>,
    allHit: (r: T) => boolean,
    childName: string = name,
  ): Promise<T | undefined> {
    if (!enabled) {
      stages.push({ stage: name, status: 'skipped', durationMs: 0 });
      return undefined;
    }
    progress(doing);
    const started = Date.now();
    const workflowId = `${pipelineId}/${childName}`;
    const r = await run(workflowId);
    stages.push({
      stage: name,
      status: allHit(r) ? 'hit' : 'ran',
      durationMs: Date.now() - started,
      workflowId,
    });
    return r;
  }
  const attrs = (stage: Stage) => runTags({ stage, runId });

  result.datasets = await stage(
    Stage.datasets,
    input.stages.datasets,
    'preparing datasets',
    (workflowId) =>
      executeChild(DatasetWorkflow, {
        workflowId,
        args: [{ datasets: input.datasets, runId, heartbeatTimeoutS: input.heartbeatTimeoutS }],
        staticSummary: `prepare datasets: ${input.datasets.map((d) => d.kind).join(', ')}`,
        typedSearchAttributes: attrs(Stage.datasets),
      }),
    (r) => r.datasets.every((d) => d.hit),
  );

  const profiling = input.profiling;
  result.profiling = await stage(
    Stage.profiling,
    input.stages.profiling && profiling !== undefined,
    'profiling vLLM engines on the GPU workers',
    (workflowId) => {
      const targets = profiling!.targets;
      const gpus = [...new Set(targets.map((t) => t.gpu))].sort((a, b) => a - b);
      return executeChild(ProfilingSweepWorkflow, {
        workflowId,
        args: [
          {
            ...profiling!,
            simulationConfig: input.simulationConfig,
            runId,
            heartbeatTimeoutS: input.heartbeatTimeoutS,
          },
        ],
        staticSummary: `profile ${plural(targets.length, '(model, MIG profile) pair')} on ${gpus.map((g) => `gpu-${g}`).join(', ')}`,
        typedSearchAttributes: attrs(Stage.profiling),
      });
    },
    (r) => r.profiles.every((p) => p.hit),
  );

  if (input.stages.fit && result.profiling) {
    const profiles = result.profiling.profiles;
    const target =
      input.fit.writeBack === 'in-place'
        ? input.simulationConfig
        : (await prepareWorkingConfig({ source: input.simulationConfig })).path;
    result.fit = await stage(
      Stage.fit,
      true,
      'fitting latency models and writing them back',
      (workflowId) =>
        executeChild(FitWritebackWorkflow, {
          workflowId,
          args: [{ profiles, simulationConfig: target, includeFailed: input.fit.includeFailed, runId }],
          staticSummary: `fit ${plural(profiles.length, 'profile')} and write back into ${target.split('/').slice(-3).join('/')}`,
          typedSearchAttributes: attrs(Stage.fit),
        }),
      (r) => r.fits.every((f) => f.hit) && !r.writeBack.changed,
    );
    result.simulationConfig = target;
  } else {
    stages.push({ stage: Stage.fit, status: 'skipped', durationMs: 0 });
  }
  const simulationConfig = result.simulationConfig;

  result.validate = await stage(
    Stage.validate,
    input.stages.validate,
    'simulator versus engines on the validate trace',
    (workflowId) =>
      executeChild(ValidateWorkflow, {
        workflowId,
        args: [{ ...input.validate, simulationConfig, runId }],
        staticSummary: `validate ${simulationConfig.split('/').slice(-3).join('/')} against live engines (${input.validate.validateConfig})`,
        typedSearchAttributes: attrs(Stage.validate),
      }),
    // A live measurement: never a cache hit.
    () => false,
  );

  result.train = await stage(
    Stage.train,
    input.stages.train,
    'grid-search training on the GPU workers',
    (workflowId) =>
      executeChild(GridSearchWorkflow, {
        workflowId,
        args: [{ ...input.train, simulationConfig, runId, heartbeatTimeoutS: input.heartbeatTimeoutS }],
        staticSummary: `grid search ${input.train.gridConfig} on ${input.train.gpus.map((g) => `gpu-${g}`).join(', ')}`,
        typedSearchAttributes: attrs(Stage.gridSearch),
      }),
    (r) => r.trials.every((t) => t.status !== 'completed' || t.hit === true),
    // Its trials are `<pipeline>/grid-search/train/<trial>`.
    Stage.gridSearch,
  );
  const checkpoints = (result.train?.trials ?? []).flatMap((t) =>
    t.status === 'completed' && t.bestCheckpoint ? [t.bestCheckpoint] : [],
  );

  result.bench = await stage(
    Stage.bench,
    input.stages.bench,
    `benchmarking ${plural(checkpoints.length, 'checkpoint')} and ${plural(input.bench.policies.length, 'baseline')} in the simulator`,
    (workflowId) =>
      executeChild(BenchWorkflow, {
        workflowId,
        args: [{ ...input.bench, simulationConfig, checkpoints, runId }],
        staticSummary: `bench ${[...(checkpoints.length ? [plural(checkpoints.length, 'RL checkpoint')] : []), ...input.bench.policies].join(', ')}`,
        typedSearchAttributes: attrs(Stage.bench),
      }),
    (r) => r.results.every((b) => b.hit),
  );

  if (input.stages.deploy) {
    const { policy: wanted, deploymentId: givenId, ...deploy } = input.deploy;
    const policy = wanted === 'best-checkpoint' ? bestCheckpoint(result) : wanted;
    const deploymentId =
      givenId ??
      runId
        .replace(/[^a-zA-Z0-9_.-]+/g, '-')
        .replace(/^[^a-zA-Z0-9]+/, '')
        .slice(0, 63);
    progress(`deploying ${policy}`);
    const started = Date.now();
    const workflowId = `${pipelineId}/deploy`;
    const deployed = await executeChild(DeployWorkflow, {
      workflowId,
      args: [{ ...deploy, deploymentId, policy, simulationConfig }],
      staticSummary: `deploy ${policy.split('/').at(-1)} as ${deploymentId}`,
      typedSearchAttributes: runTags({ stage: Stage.deploy, runId, gpuQueue: gpuTaskQueue(deploy.firstGpu) }),
    });
    result.deploy = { ...deployed, policy };
    stages.push({ stage: Stage.deploy, status: 'ran', durationMs: Date.now() - started, workflowId });
  } else {
    stages.push({ stage: Stage.deploy, status: 'skipped', durationMs: 0 });
  }

  progress('writing the run report');
  try {
    result.report = await writeRunReport({
      result,
      workflowId: pipelineId,
      namespace: workflowInfo().namespace,
    });
  } catch {
    // The report is a view of the result: a failure to write it must not fail a run whose stages all succeeded.
  }
  progress(result.report ? `done — report: ${result.report.html.split('/').slice(-3).join('/')}` : 'done');
  return result;
}

/** The best trial's best checkpoint (rankTrials: held-out evaluation reward, else training reward), for `deploy.policy: best-checkpoint`. */
export function bestCheckpoint(result: Pick<PipelineResult, 'train'>): string {
  const best = rankTrials(result.train?.trials ?? []).ranked.find((t) => t.bestCheckpoint);
  if (!best?.bestCheckpoint) {
    throw ApplicationFailure.nonRetryable(
      'deploy.policy is best-checkpoint but no training trial completed — turn stages.train on, or name a policy',
      'ConfigError',
    );
  }
  return best.bestCheckpoint;
}
