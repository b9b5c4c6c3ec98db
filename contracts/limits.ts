/**
 * Size bounds on what one run may ask for. Each is far above any real use of the shipped configs and far below
 * what would hang a worker (a grid expanded to gigabytes, a benchmark that never ends); a value above one is a
 * ConfigError that names the limit. They are constants, not settings, so workflow code (which must be
 * deterministic) and the CLI check the same numbers; raising one is a one-line change here.
 */

/** Environment steps of one training run (1e9: weeks of training at the emulated speeds). */
export const MAX_TRAIN_STEPS = 1_000_000_000;
/** Decisions of one benchmark trial (benchmark-length, --steps): 100× the shipped 1,024. */
export const MAX_BENCH_DECISIONS = 100_000;
/** Trials of one grid search (the product of its lists' lengths), counted before anything is expanded. */
export const MAX_GRID_TRIALS = 1_024;
/** Seconds of one deployment (a week). */
export const MAX_DEPLOY_DURATION_S = 7 * 24 * 3600;
/** Request rate of one agent, in requests per second. */
export const MAX_RATE_REQ_S = 10_000;

/** The message of a value over a limit: what the limit is and how to raise it. */
export function overLimit(limit: number, what: string, name: string): string {
  return `at most ${limit.toLocaleString('en-US')} ${what} (limit ${name} in contracts/limits.ts; ask for less, or raise it there)`;
}
