/** The one line a failed command prints: migflow's own errors as they are, Temporal's by their root cause. */
import { WorkflowFailedError } from '@temporalio/client';
import { MigflowError } from '../../core/errors.js';
import { rootCause } from './workflow-run.js';

export function failureLine(err: unknown, debug = false): string {
  if (err instanceof MigflowError)
    return `migflow: ${err.message}${debug && err.stack ? `\n${err.stack}` : ''}`;
  if (err instanceof WorkflowFailedError) return `migflow: workflow failed: ${rootCause(err).message}`;
  const message = err instanceof Error ? err.message : String(err);
  if (debug && err instanceof Error && err.stack) return `migflow: ${err.stack}`;
  return `migflow: ${message}${err instanceof Error ? ' (set MIGFLOW_DEBUG=1 for the stack trace)' : ''}`;
}
