/**
 * migflow's contracts: what crosses a process or a Temporal boundary, defined once. Every stage's input schema
 * (zod, with each field's default and meaning) and result type, the agents' names, the non-retryable error types,
 * the checkpoint naming and the emulator's environment protocol.
 *
 * Pure data: no Node APIs, no Temporal, no project code, so the workflow sandbox, core, activities and the CLI all
 * import it. The Temporal-specific half (task queues, search attributes, signals, queries, retry profiles, the
 * activities' and workflows' signatures) is `contracts/temporal`.
 */
export * from './agents.js';
export * from './bench.js';
export * from './checkpoint-name.js';
export * from './dataset.js';
export * from './defined-fields.js';
export * from './deploy.js';
export * from './emulator-env.js';
export * from './errors.js';
export * from './field-path.js';
export * from './limits.js';
export * from './markdown-table.js';
export * from './pipeline.js';
export * from './profiling.js';
export * from './search.js';
export * from './stages.js';
export * from './time-features.js';
export * from './train.js';
export * from './trial-ranking.js';
export * from './validate.js';
