/**
 * The validation config (configs/validate.yaml): which engine of the simulation config is checked (GPU of the
 * cluster, MIG profile, agents), the seeded trace replayed through both sides, and the pass/fail threshold of each
 * metric's relative error.
 */
import { z } from 'zod';
import {
  AGENT_NAMES,
  VALIDATE_METRICS as METRICS,
  type ValidateMetricName as MetricName,
} from '../../../contracts/index.js';
import { loadYamlConfig } from '../../config/index.js';

const range = z
  .tuple([z.number().int().positive(), z.number().int().positive()])
  .refine(([a, b]) => a <= b, 'min ≤ max');

export {
  VALIDATE_METRICS as METRICS,
  type ValidateMetricName as MetricName,
} from '../../../contracts/index.js';

export const validateConfigSchema = z
  .object({
    gpu: z.number().int().nonnegative().default(0).describe('index into the simulation config’s cluster'),
    profile: z.string().min(1).default('7g.40gb').describe('the MIG profile whose fitted engine is checked'),
    agents: z
      .array(z.enum(AGENT_NAMES))
      .min(1)
      .default(['CodingAgent', 'RAGAgent'])
      .describe('one engine per agent, each replaying its own share of the trace'),
    trace: z
      .object({
        requests: z.number().int().positive().default(80).describe('requests per agent'),
        rate_per_s: z.number().positive().default(2).describe('Poisson arrival rate per agent'),
        prompt_tokens: range.default([128, 1024]),
        completion_tokens: range.default([32, 128]),
        seed: z.number().int().nonnegative().default(0),
      })
      .strict()
      .default({
        requests: 80,
        rate_per_s: 2,
        prompt_tokens: [128, 1024],
        completion_tokens: [32, 128],
        seed: 0,
      }),
    statistics: z
      .object({
        sim_runs: z
          .number()
          .int()
          .min(1)
          .default(20)
          .describe(
            'simulator runs (noise seeds seed, seed+1, …) whose mean metric is compared with the engine',
          ),
        confidence: z
          .number()
          .gt(0.5)
          .lt(1)
          .default(0.95)
          .describe('confidence of the bootstrap interval of each error'),
        resamples: z.number().int().min(100).default(1000).describe('bootstrap resamples'),
      })
      .strict()
      .default({ sim_runs: 20, confidence: 0.95, resamples: 1000 })
      .describe('how the sampling error of each metric is estimated (core/stages/validate/interval.ts)'),
    thresholds: z
      .object(
        Object.fromEntries(METRICS.map((m) => [m, z.number().positive()])) as Record<MetricName, z.ZodNumber>,
      )
      .strict()
      .describe('largest relative error |sim − engine| / engine that passes, per metric'),
  })
  .strict();
export type ValidateConfig = z.output<typeof validateConfigSchema>;

export function loadValidateConfig(file: string): ValidateConfig {
  return loadYamlConfig(file, validateConfigSchema);
}
