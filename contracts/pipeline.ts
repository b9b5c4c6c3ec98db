/**
 * PipelineWorkflow's input and result. The input is one JSON document: which stages to run, each stage's own input
 * (the child workflow's, less what the pipeline fills in from earlier stages: run id, the fitted simulation config,
 * the trained checkpoints), and one `simulationConfig` that every stage reads. Pure zod: safe in the sandbox; the
 * JSON Schema in docs/pipeline.schema.json is generated from it (`npx migflow schema pipeline`).
 */
import { z } from 'zod';
import { BenchStageFields, type BenchWorkflowResult } from './bench.js';
import { DatasetStageInput, type DatasetWorkflowResult } from './dataset.js';
import { DeployInput, type DeployResult } from './deploy.js';
import { configPath, heartbeatTimeoutField, nonEmptyList, nonEmptyString, runIdField } from './fields.js';
import { type FitWritebackResult, ProfilingSweepInput, type ProfilingSweepResult } from './profiling.js';
import { GridSearchInput, type GridSearchResult } from './train.js';
import { ValidateWorkflowInput, type ValidateWorkflowResult } from './validate.js';

export const PipelineStages = z.strictObject({
  datasets: z.boolean().default(true).describe('prepare the datasets'),
  profiling: z.boolean().default(true).describe('profile vLLM per (model, MIG profile) on the GPU workers'),
  fit: z.boolean().default(true).describe('fit the latency models and write them into the simulation config'),
  validate: z
    .boolean()
    .default(false)
    .describe(
      'after fit: replay the validate trace through the (fitted) simulator and live engines (emulators where none is given); fails the run on a threshold unless validate.failOnThreshold is off',
    ),
  train: z.boolean().default(true).describe('grid-search PPO training, one trial per GPU at a time'),
  bench: z
    .boolean()
    .default(true)
    .describe('benchmark the trained checkpoints and the baselines in the simulator'),
  deploy: z
    .boolean()
    .default(false)
    .describe('deploy the best checkpoint on the (real or emulated) MIG GPUs'),
});

export const PipelineInput = z
  .strictObject({
    runId: runIdField(
      'groups every workflow of this run in search (MigflowRunId); defaults to the workflow id',
    ),
    stages: PipelineStages.prefault({}).describe('which stages to run'),
    simulationConfig: configPath(
      'configs/simulation_config.yaml',
      'the simulation config every stage reads; the fit stage writes its values into a working copy of it',
    ),
    datasets: nonEmptyList(DatasetStageInput).describe(
      'datasets to prepare (DatasetWorkflow input `datasets`)',
    ),
    profiling: ProfilingSweepInput.omit({ runId: true, simulationConfig: true, heartbeatTimeoutS: true })
      .optional()
      .describe(
        'the profiling sweep (ProfilingSweepWorkflow input): targets, plan, engine; required with stages.profiling',
      ),
    fit: z
      .strictObject({
        writeBack: z
          .enum(['working-copy', 'in-place'])
          .default('working-copy')
          .describe(
            'working-copy: fitted values go into artifacts/pipeline/simulation-configs/<hash>/ and later stages read it; in-place: into simulationConfig itself',
          ),
        includeFailed: z
          .boolean()
          .default(false)
          .describe('fit failed prefill requests too, as the reference does'),
      })
      .prefault({})
      .describe('the fit and write-back stage (FitWritebackWorkflow)'),
    train: GridSearchInput.omit({ runId: true, simulationConfig: true, heartbeatTimeoutS: true })
      .prefault({})
      .describe(
        'grid-search training (GridSearchWorkflow input): grid, budget (totalSteps, overrides), GPUs',
      ),
    validate: ValidateWorkflowInput.omit({ simulationConfig: true, runId: true })
      .prefault({})
      .describe('the simulator-versus-engine validation (ValidateWorkflow input); only with stages.validate'),
    bench: BenchStageFields.omit({ simulationConfig: true, checkpoints: true })
      .prefault({})
      .describe(
        "the simulated benchmark (BenchWorkflow input); every trial's best checkpoint is added to the policies",
      ),
    deploy: DeployInput.omit({ simulationConfig: true, policy: true, deploymentId: true })
      .extend({
        policy: nonEmptyString()
          .default('best-checkpoint')
          .describe(
            'best-checkpoint (the trial with the highest mean episode reward) | heuristic | qas | linucb | idle_merge | static-7g | static-2g | a checkpoint path',
          ),
        deploymentId: nonEmptyString().optional().describe('default: derived from the run id'),
      })
      .prefault({})
      .describe('the real deployment (DeployWorkflow input); only with stages.deploy'),
    heartbeatTimeoutS: heartbeatTimeoutField(
      60,
      'heartbeat timeout of long activities, seconds: a dead worker is noticed this long after it died',
    ),
  })
  .refine((p) => !p.stages.profiling || p.profiling !== undefined, {
    message: 'stages.profiling is on but no `profiling` input says what to profile (targets, plan, engine)',
    path: ['profiling'],
  })
  .refine((p) => !p.stages.fit || p.stages.profiling, {
    message:
      'the fit stage fits what the profiling stage measured: turn stages.profiling on, or stages.fit off',
    path: ['stages', 'fit'],
  });
export type PipelineInput = z.input<typeof PipelineInput>;
export type ResolvedPipelineInput = z.output<typeof PipelineInput>;

/** What `prepareWorkingConfig` takes and returns: the working copy of the simulation config the fit writes into. */
export interface WorkingConfigArgs {
  source: string;
}

export interface WorkingConfigResult {
  /** The copy downstream stages read. */
  path: string;
  /** True when this call made the copy (first run on this source content). */
  created: boolean;
}

/** One stage's outcome in a pipeline run: did it hit the cache everywhere, run, and how long it took. */
export interface StageOutcome {
  stage: string;
  /** `hit`: every activity of the stage was served from the cache; `ran`: at least one computed. */
  status: 'hit' | 'ran' | 'skipped';
  durationMs: number;
  workflowId?: string;
}

export interface PipelineResult {
  runId: string;
  stages: StageOutcome[];
  /** The simulation config training and bench read (the fitted working copy when the fit stage ran). */
  simulationConfig: string;
  datasets?: DatasetWorkflowResult;
  profiling?: ProfilingSweepResult;
  fit?: FitWritebackResult;
  validate?: ValidateWorkflowResult;
  train?: GridSearchResult;
  bench?: BenchWorkflowResult;
  deploy?: DeployResult & { policy: string };
  /** The run report (artifacts/pipeline/<run>/report.html and report.json): absent when writing it failed. */
  report?: RunReportFiles;
}

/** What `writeRunReport` takes: the pipeline's result so far and where its workflows are in the Web UI. */
export interface RunReportArgs {
  result: PipelineResult;
  workflowId: string;
  namespace: string;
}

export interface RunReportFiles {
  html: string;
  json: string;
  /** The trials' TensorBoard runs named by their parameters (`tensorboard --logdir` it); absent without trials. */
  tensorboard?: string;
}
