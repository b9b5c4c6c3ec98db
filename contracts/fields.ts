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

/** A count, size or step number: a positive whole number. */
export const positiveInt = () => z.number().int().positive();

/** An index, seed or offset: a whole number ≥ 0. */
export const nonNegativeInt = () => z.number().int().min(0);

/** A path, name or id: a string that is not empty. */
export const nonEmptyString = () => z.string().min(1);

/** A list that must name at least one entry. */
export const nonEmptyList = <T extends z.ZodType>(item: T) => z.array(item).min(1);

/** GPU indices to spread work over (task queues migflow-gpu-<N>), each once; default GPU 0. */
export function gpusField(description: string) {
  return z
    .array(z.number().int().nonnegative())
    .min(1)
    .default([0])
    .refine((g) => new Set(g).size === g.length, 'each GPU index once')
    .describe(description);
}

/** A config file and its default (relative paths resolve against the project root). */
export const configPath = (defaultPath: string, description: string) =>
  nonEmptyString().default(defaultPath).describe(description);
