/**
 * The validate stage's contract (ValidateWorkflow, `validateSimulator`): the simulator replayed against live engines
 * on one seeded trace; per agent the relative error of TTFT and TPOT at P50/P90/P99 and of throughput.
 */
import { z } from 'zod';
import { AgentNameSchema } from './agents.js';
import { configPath, nonEmptyString, runIdField } from './fields.js';

export const ValidateWorkflowInput = z.strictObject({
  validateConfig: configPath(
    'configs/validate.yaml',
    'validation config: the engine checked, the trace, the thresholds',
  ),
  simulationConfig: configPath(
    'configs/simulation_config.yaml',
    'simulation config whose fitted engines are checked',
  ),
  engines: z
    .partialRecord(AgentNameSchema, z.string().url())
    .default({})
    .describe('a live OpenAI-compatible engine per agent (base URL); agents without one get an emulator'),
  emulatorTruth: nonEmptyString()
    .optional()
    .describe('simulation config the emulators take their latency truth from (default: simulationConfig)'),
  failOnThreshold: z
    .boolean()
    .default(true)
    .describe('fail the workflow (non-retryable) when an error exceeds its threshold'),
  runId: runIdField(),
});
export type ValidateWorkflowInput = z.input<typeof ValidateWorkflowInput>;

export interface ValidateSimulatorArgs {
  validateConfig: string;
  simulationConfig: string;
  engines: Record<string, string>;
  emulatorTruth?: string;
  /** Folder name under artifacts/validate/. */
  name: string;
}

/** The metrics validation compares, in the order its tables show them. */
export const VALIDATE_METRICS = [
  'ttft_p50',
  'ttft_p90',
  'ttft_p99',
  'tpot_p50',
  'tpot_p90',
  'tpot_p99',
  'throughput',
] as const;
export type ValidateMetricName = (typeof VALIDATE_METRICS)[number];

export type ValidateMetricValues = Record<ValidateMetricName, number>;

/**
 * A metric's verdict from its error's confidence interval (core/stages/validate/verdict.ts): `fail` only when the whole
 * interval lies beyond the threshold; `inconclusive` when it straddles it (does not fail the run).
 */
export type ValidateVerdict = 'pass' | 'inconclusive' | 'fail';

export interface ValidateSimulatorResult {
  pass: boolean;
  table: string;
  dir: string;
  /** The config's pass/fail threshold per metric (relative error); absent in results written before it was kept. */
  thresholds?: ValidateMetricValues;
  /** The confidence of each error's interval (e.g. 0.95); absent in results written before intervals. */
  confidence?: number;
  agents: {
    agent: string;
    sim: ValidateMetricValues;
    engine: ValidateMetricValues;
    error: ValidateMetricValues;
    /** The interval [low, high] of each |error| at `confidence`. */
    interval?: Record<ValidateMetricName, [number, number]>;
    verdict?: Record<ValidateMetricName, ValidateVerdict>;
    /** Per inconclusive metric, the requests per agent that would settle it (null: the error sits on the threshold). */
    requestsNeeded?: Partial<Record<ValidateMetricName, number | null>>;
    /** The metrics whose verdict is `fail`. */
    failed: string[];
  }[];
}

export interface ValidateWorkflowResult extends ValidateSimulatorResult {
  runId: string;
}
