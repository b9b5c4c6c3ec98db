/**
 * The search config (configs/search.yaml): a `search_space` over dotted training-config paths (float and int
 * ranges, log scales, lists of choices), the sampler, the budget and the pruner. Loaded and validated here once;
 * every swept path is also checked against the training config, so a typo fails before any trial starts.
 */
import { z } from 'zod';
import type { SearchDimension, SearchPlan } from '../../contracts/index.js';
import { canonicalJson, sha256Hex } from '../cache/index.js';
import { loadYamlConfig, readTrainingConfig } from '../config/index.js';
import { ConfigError } from '../errors.js';

const range = z
  .object({
    low: z.number().describe('smallest value'),
    high: z.number().describe('largest value'),
    log: z.boolean().default(false).describe('sample uniformly in log space (low must be > 0)'),
    type: z.enum(['float', 'int']).default('float'),
    step: z.number().int().positive().optional().describe('int only: values low, low+step, …'),
  })
  .strict()
  .refine((r) => r.low < r.high, 'low must be below high')
  .refine((r) => !r.log || r.low > 0, 'a log scale needs low > 0')
  .refine((r) => r.type === 'int' || r.step === undefined, 'step is for type: int')
  .refine(
    (r) => r.type === 'float' || (Number.isInteger(r.low) && Number.isInteger(r.high)),
    'an int range needs integer bounds',
  );
const choices = z
  .object({ choices: z.array(z.unknown()).min(1).describe('the values to pick from (any YAML value)') })
  .strict();

export const searchConfigSchema = z
  .object({
    search_space: z
      .record(z.string().min(1), z.union([choices, range]))
      .refine((s) => Object.keys(s).length > 0, 'at least one dimension')
      .describe(
        'dotted training-config path → {low, high, log?, type?: float|int, step?} or {choices: [...]}',
      ),
    sampler: z
      .object({
        type: z.enum(['random', 'tpe', 'grid']).default('tpe'),
        n_startup_trials: z.number().int().nonnegative().default(4),
        seed: z.number().int().nonnegative().default(0),
      })
      .strict()
      .default({ type: 'tpe', n_startup_trials: 4, seed: 0 }),
    budget: z
      .object({
        trials: z.number().int().positive().default(8),
        wall_time_s: z.number().positive().nullable().default(null),
      })
      .strict()
      .default({ trials: 8, wall_time_s: null }),
    pruner: z
      .object({
        type: z.enum(['asha', 'none']).default('asha'),
        min_steps: z.number().int().positive().default(4096),
        reduction_factor: z.number().int().min(2).default(3),
      })
      .strict()
      .default({ type: 'asha', min_steps: 4096, reduction_factor: 3 }),
  })
  .strict();

function dimension(d: z.output<typeof range> | z.output<typeof choices>): SearchDimension {
  if ('choices' in d) return { kind: 'choice', values: d.choices };
  if (d.type === 'int') return { kind: 'int', low: d.low, high: d.high, step: d.step ?? 1, log: d.log };
  return { kind: 'float', low: d.low, high: d.high, log: d.log };
}

/** A value every dimension can take: its paths are checked by applying these to the training config. */
function probe(d: SearchDimension): unknown {
  return d.kind === 'choice' ? d.values[0] : d.low;
}

export interface PlanOptions {
  trainingConfig: string;
  overrides: Readonly<Record<string, unknown>>;
  studyFile: string;
  trials?: number;
  wallTimeS?: number;
  totalSteps?: number;
}

/** Reads and checks the search config and turns it into the plan the workflow runs. */
export function loadSearchPlan(file: string, o: PlanOptions): SearchPlan {
  const cfg = loadYamlConfig(file, searchConfigSchema);
  const space: Record<string, SearchDimension> = {};
  for (const [path, d] of Object.entries(cfg.search_space)) space[path] = dimension(d);
  if (cfg.sampler.type === 'grid') {
    const notChoice = Object.entries(space).find(([, d]) => d.kind !== 'choice');
    if (notChoice) {
      throw new ConfigError(
        file,
        `search_space.${notChoice[0]}`,
        'the grid sampler enumerates lists of choices; this dimension is a range',
        'give it `choices: [...]`, or use sampler.type: random or tpe',
      );
    }
  }
  // Every path must name a training-config field; a probe trial is validated like a real one.
  const probeParams = Object.fromEntries(Object.entries(space).map(([k, d]) => [k, probe(d)]));
  const base = readTrainingConfig(o.trainingConfig, { ...o.overrides, ...probeParams });
  const pruner =
    cfg.pruner.type === 'asha'
      ? {
          kind: 'asha' as const,
          minSteps: cfg.pruner.min_steps,
          reductionFactor: cfg.pruner.reduction_factor,
        }
      : { kind: 'none' as const };
  const identity = { space, sampler: cfg.sampler, pruner };
  return {
    space,
    sampler: cfg.sampler.type,
    nStartupTrials: cfg.sampler.n_startup_trials,
    samplerSeed: cfg.sampler.seed,
    trials: o.trials ?? cfg.budget.trials,
    wallTimeS: o.wallTimeS ?? cfg.budget.wall_time_s,
    pruner,
    maxSteps: o.totalSteps ?? base.training.totalTimesteps,
    spaceHash: sha256Hex(canonicalJson(identity)).slice(0, 16),
    studyFile: o.studyFile,
  };
}
