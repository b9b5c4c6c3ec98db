/**
 * Every workflow's type name and signature, so clients start and query workflows by contract
 * (`client.workflow.start<BenchWorkflow>(WorkflowType.bench, …)`) without importing workflows/, and workflows/index.ts
 * checks that each exported workflow has the signature written here.
 */
import type {
  BenchWorkflowInput,
  BenchWorkflowResult,
  DatasetWorkflowInput,
  DatasetWorkflowResult,
  DeployInput,
  DeployResult,
  FitWritebackInput,
  FitWritebackResult,
  GridSearchInput,
  GridSearchResult,
  PipelineInput,
  PipelineResult,
  ProfilingSweepInput,
  ProfilingSweepResult,
  SearchResult,
  SearchWorkflowInput,
  TrainWorkflowInput,
  TrainWorkflowResult,
  ValidateWorkflowInput,
  ValidateWorkflowResult,
} from '../index.js';

export type PipelineWorkflow = (input: PipelineInput) => Promise<PipelineResult>;
export type DatasetWorkflow = (input: DatasetWorkflowInput) => Promise<DatasetWorkflowResult>;
export type ProfilingSweepWorkflow = (input: ProfilingSweepInput) => Promise<ProfilingSweepResult>;
export type FitWritebackWorkflow = (input: FitWritebackInput) => Promise<FitWritebackResult>;
export type TrainWorkflow = (input: TrainWorkflowInput) => Promise<TrainWorkflowResult>;
export type GridSearchWorkflow = (input: GridSearchInput) => Promise<GridSearchResult>;
export type SearchWorkflow = (input: SearchWorkflowInput) => Promise<SearchResult>;
export type ValidateWorkflow = (input: ValidateWorkflowInput) => Promise<ValidateWorkflowResult>;
export type BenchWorkflow = (input: BenchWorkflowInput) => Promise<BenchWorkflowResult>;
export type DeployWorkflow = (input: DeployInput) => Promise<DeployResult>;

/** Workflow type names, as the Web UI and `temporal workflow start --type` spell them. */
export const WorkflowType = {
  pipeline: 'PipelineWorkflow',
  dataset: 'DatasetWorkflow',
  profilingSweep: 'ProfilingSweepWorkflow',
  fitWriteback: 'FitWritebackWorkflow',
  train: 'TrainWorkflow',
  gridSearch: 'GridSearchWorkflow',
  search: 'SearchWorkflow',
  validate: 'ValidateWorkflow',
  bench: 'BenchWorkflow',
  deploy: 'DeployWorkflow',
} as const;
