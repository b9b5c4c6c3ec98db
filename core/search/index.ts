/**
 * Hyperparameter search beyond the grid: the search config and its plan, the samplers (random, TPE, grid) and the
 * study file. The orchestration (trials on GPU queues, ASHA stops) is SearchWorkflow's; the ASHA rule is in contracts.
 */
export { loadSearchPlan, type PlanOptions, searchConfigSchema } from './config.js';
export { rankedTrials, suggestParams } from './sampler.js';
export { readStudy, writeStudy } from './study.js';
export { goodCount, mixtureLogPdf, parzen, tpeSuggest } from './tpe.js';
