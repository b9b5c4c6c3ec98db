/** Workflow-input validation: a zod failure becomes a non-retryable ConfigError failure naming the field and the fix. */
import { ApplicationFailure } from '@temporalio/workflow';
import type { z } from 'zod';
import { formatPath } from '../index.js';

export function validateInput<S extends z.ZodType>(what: string, schema: S, data: unknown): z.output<S> {
  const r = schema.safeParse(data);
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => {
    const field = formatPath(i.path as PropertyKey[]) || '(root)';
    return `${field}: ${i.message}`;
  });
  throw ApplicationFailure.create({
    type: 'ConfigError',
    nonRetryable: true,
    message: `${what} input: ${lines[0]} — fix: correct that field (see README "Workflow inputs")${lines.length > 1 ? `; also ${lines.slice(1).join('; ')}` : ''}`,
    details: [{ file: `${what} input`, fields: lines }],
  });
}
