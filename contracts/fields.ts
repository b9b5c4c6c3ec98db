/** Fields several workflow inputs share, so each is defined (and documented) once. */
import { z } from 'zod';

/** The run id that groups workflows in search (MigflowRunId). */
export function runIdField(
  description = 'groups workflows of one run in search (MigflowRunId); defaults to the workflow id',
) {
  return z.string().min(1).optional().describe(description);
}

/** Seconds without a heartbeat before a dead worker's activity is retried elsewhere. */
export function heartbeatTimeoutField(defaultS: number, description?: string) {
  const field = z.number().positive().max(3600).default(defaultS);
  return description === undefined ? field : field.describe(description);
}
