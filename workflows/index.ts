/** Every workflow type the main worker registers. The exported names are the types the Web UI shows. */
export { BenchWorkflow } from './bench.js';
export { DatasetWorkflow } from './dataset.js';
export { DeployWorkflow } from './deploy.js';
export { GridSearchWorkflow } from './grid-search.js';
export { PipelineWorkflow } from './pipeline.js';
export { FitWritebackWorkflow, ProfilingSweepWorkflow } from './profiling.js';
export { TrainWorkflow } from './train.js';
