/**
 * Retry profiles, by the kind of work an activity does. Named once so every workflow that schedules the same kind
 * of activity retries it the same way, and every profile stops at the same non-retryable error types.
 */
import type { RetryPolicy } from '@temporalio/common';
import { NON_RETRYABLE_ERROR_TYPES } from '../index.js';

const nonRetryableErrorTypes = [...NON_RETRYABLE_ERROR_TYPES];

/** A short computation or file operation: a few quick attempts. */
export const QUICK_RETRY: RetryPolicy = { maximumAttempts: 3, nonRetryableErrorTypes };

/** The dataset stage: preprocessing is idempotent, so a few more attempts, one second apart at first. */
export const DATASET_RETRY: RetryPolicy = {
  maximumAttempts: 5,
  initialInterval: '1s',
  nonRetryableErrorTypes,
};

/** A long training that resumes from its last checkpoint: many attempts, at most 30 s apart. */
export function trainingRetry(maximumAttempts: number): RetryPolicy {
  return { maximumAttempts, initialInterval: '1s', maximumInterval: '30s', nonRetryableErrorTypes };
}

/**
 * A live deployment's activities. Retries pause at most 10 s. The server's default cap (100 × the initial
 * interval) would leave a live deployment unserved for over a minute between late retries; traffic does not wait,
 * so retry within seconds and let the attempt limit end a run that cannot recover (20 window attempts then span
 * about 3 minutes, not 25).
 */
export function liveRetry(maximumAttempts: number): RetryPolicy {
  return { initialInterval: '1s', maximumInterval: '10s', maximumAttempts, nonRetryableErrorTypes };
}

/** The pipeline's own bookkeeping (the working copy of the simulation config). */
export const BOOKKEEPING_RETRY: RetryPolicy = { maximumAttempts: 5, nonRetryableErrorTypes };
