/** Every workflow type the main worker registers. The exported names are the types the Web UI shows. */
import type * as Contract from '../contracts/temporal/index.js';
import { BenchWorkflow } from './bench.js';
import { DatasetWorkflow } from './dataset.js';
import { DeployWorkflow } from './deploy.js';
import { GridSearchWorkflow } from './grid-search.js';
import { PipelineWorkflow } from './pipeline.js';
import { FitWritebackWorkflow, ProfilingSweepWorkflow } from './profiling.js';
import { SearchWorkflow } from './search.js';
import { TrainWorkflow } from './train.js';
import { ValidateWorkflow } from './validate.js';

export {
  BenchWorkflow,
  DatasetWorkflow,
  DeployWorkflow,
  FitWritebackWorkflow,
  GridSearchWorkflow,
  PipelineWorkflow,
  ProfilingSweepWorkflow,
  SearchWorkflow,
  TrainWorkflow,
  ValidateWorkflow,
};

/** Each workflow has the signature its clients start it by (contracts/temporal/workflows.ts); tsc checks it. */
type Implements<W extends C, C> = W;
export type WorkflowsImplementTheirContracts = [
  Implements<typeof PipelineWorkflow, Contract.PipelineWorkflow>,
  Implements<typeof DatasetWorkflow, Contract.DatasetWorkflow>,
  Implements<typeof ProfilingSweepWorkflow, Contract.ProfilingSweepWorkflow>,
  Implements<typeof FitWritebackWorkflow, Contract.FitWritebackWorkflow>,
  Implements<typeof TrainWorkflow, Contract.TrainWorkflow>,
  Implements<typeof GridSearchWorkflow, Contract.GridSearchWorkflow>,
  Implements<typeof SearchWorkflow, Contract.SearchWorkflow>,
  Implements<typeof ValidateWorkflow, Contract.ValidateWorkflow>,
  Implements<typeof BenchWorkflow, Contract.BenchWorkflow>,
  Implements<typeof DeployWorkflow, Contract.DeployWorkflow>,
];
