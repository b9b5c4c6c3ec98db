/** The pipeline's stages by name: how the MigflowStage search attribute, child workflow ids and reports spell them. */
export const Stage = {
  datasets: 'datasets',
  profiling: 'profiling',
  fit: 'fit',
  train: 'train',
  gridSearch: 'grid-search',
  search: 'search',
  validate: 'validate',
  bench: 'bench',
  deploy: 'deploy',
  pipeline: 'pipeline',
} as const;
export type Stage = (typeof Stage)[keyof typeof Stage];
