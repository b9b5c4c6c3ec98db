/**
 * The one place where core errors become Temporal failures: user-fixable errors (bad config, malformed dataset,
 * missing tool) are non-retryable with `type` = the error's name and its context as details; cancellation passes
 * through untouched; everything else stays retryable.
 */
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MigflowError } from '../core/errors.js';

export function toFailure(err: unknown): unknown {
  if (err instanceof CancelledFailure || err instanceof ApplicationFailure) return err;
  if (err instanceof MigflowError) {
    const details = Object.fromEntries(
      Object.entries(err).filter(
        ([k, v]) => k !== 'userFixable' && k !== 'name' && (typeof v === 'string' || typeof v === 'number'),
      ),
    );
    return ApplicationFailure.create({
      message: err.message,
      type: err.name,
      nonRetryable: err.userFixable,
      details: [details],
      cause: err,
    });
  }
  return err;
}

/** Runs `fn`, translating its errors with `toFailure`. */
export async function withFailures<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toFailure(err);
  }
}
