/**
 * `configs/bench_config.yaml`: what the simulated benchmark replays (seed, length, arrival patterns) and the
 * measured tables its baselines decide with (heuristic service rates, QAS TTFT curves). The workload and table
 * schemas are shared with `deployment.yaml`, which describes the same traffic on real hardware.
 */
import { z } from 'zod';
import { AGENT_NAMES, AgentNameSchema, MAX_BENCH_DECISIONS, overLimit } from '../../contracts/index.js';
import type { AgentName } from '../mig/index.js';
import { loadYamlConfig } from './load.js';
import { PATTERN_NAMES, type PatternName } from './training.js';

/** LinUCB's exploration weight and ridge regularisation when the bench config leaves them out. */
export const LINUCB_DEFAULTS = { alpha: 1.0, regularization: 1.0 } as const;

/** Agents in enum order: this order (not YAML order) drives per-agent seeds and table columns. */
export const AGENT_ORDER: readonly AgentName[] = AGENT_NAMES;

/** Arrival patterns a workload phase can take: training_config's patterns, in their order. */
export type { PatternName };
export const PATTERN_ORDER: readonly PatternName[] = PATTERN_NAMES;

type RefineCtx = { addIssue: (issue: z.core.$ZodRawIssue) => void };

/** Reports a cross-field problem at `path` with its own remedy (shown as the ConfigError's fix). */
export function addConfigIssue(
  ctx: RefineCtx,
  path: readonly PropertyKey[],
  message: string,
  fix: string,
): void {
  ctx.addIssue({ code: 'custom', path: [...path], message, params: { fix }, input: undefined });
}

export { AgentNameSchema };
/** GPU model keys name `configs/gpus/<model>.yaml` (A100_40GB, B200, …). */
export const GpuModelKey = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_]*$/, 'a GPU model key such as A100_40GB (letters, digits, underscores)');
/** Hardware MIG profile names as nvidia-smi spells them. */
export const MigProfileName = z.string().regex(/^[1-7]g\.\d+gb$/, 'a MIG profile name such as 2g.10gb');

/** `[min, max]`, both finite and positive, min ≤ max. */
export function positiveRange(unit: string) {
  return z
    .tuple([z.number().positive(), z.number().positive()], {
      error: `expected a pair [min, max] in ${unit}`,
    })
    .superRefine(([lo, hi], ctx) => {
      if (lo > hi) addConfigIssue(ctx, [], `min ${lo} is above max ${hi}`, `swap them: [${hi}, ${lo}]`);
    });
}

const RateRange = positiveRange('req/s');
export const RateSpec = z.union([RateRange, z.partialRecord(AgentNameSchema, RateRange)], {
  error: 'expected [min, max] req/s shared by all agents, or a map of agent name → [min, max]',
});

export const PatternSchema = z.strictObject({
  rate: RateSpec.describe(
    'Arrival-rate range in req/s: one `[min, max]` for all agents or one per agent. A fresh rate is drawn for every gap. Required.',
  ),
  duration: positiveRange('seconds').describe('Phase length range `[min, max]` in seconds. Required.'),
});

export const WorkloadsSchema = z
  .strictObject({
    idle: PatternSchema.describe('Quiet phases. Required.'),
    even: PatternSchema.describe('Moderate phases. Required.'),
    busy: PatternSchema.describe('Heavy phases. Required.'),
    burst: PatternSchema.describe('Short spikes. Required.'),
  })
  .describe('Arrival patterns the workload generator switches between. Required.');

/** gpu model → agent → MIG profile → req/s. */
export const ServiceRatesSchema = z
  .record(GpuModelKey, z.partialRecord(AgentNameSchema, z.record(MigProfileName, z.number().nonnegative())))
  .default({})
  .describe(
    'Measured sustainable req/s per GPU model, agent and MIG profile, before the profile factor (1.0 for 7g, 0.8 for 4g/3g, 0.5 below). A missing entry counts as 0. Default: {}.',
  );

const CurvePoint = z.tuple([z.number().nonnegative(), z.number().nonnegative()], {
  error: 'expected a point [arrival req/s, TTFT s]',
});

/** gpu model → agent → MIG profile → [[λ, TTFT], …] ascending λ. */
export const TtftCurvesSchema = z
  .record(GpuModelKey, z.partialRecord(AgentNameSchema, z.record(MigProfileName, z.array(CurvePoint))))
  .default({})
  .superRefine((table, ctx) => {
    for (const [gpu, agents] of Object.entries(table))
      for (const [agent, profiles] of Object.entries(agents ?? {}))
        for (const [profile, points] of Object.entries(profiles ?? {}))
          for (let i = 1; i < points.length; i++)
            if (points[i]![0] < points[i - 1]![0])
              addConfigIssue(
                ctx,
                [gpu, agent, profile, i],
                `arrival rates must ascend; ${points[i]![0]} follows ${points[i - 1]![0]}`,
                'sort the points by their first number (req/s)',
              );
  })
  .describe(
    'Measured TTFT curves per GPU model, agent and MIG profile: points `[arrival req/s, mean TTFT s]` in ascending req/s. A missing curve predicts an infinite TTFT. Default: {}.',
  );

export const PatternNameSchema = z.enum(PATTERN_ORDER as [PatternName, ...PatternName[]]);
export const SequenceItem = z.union(
  [PatternNameSchema, z.partialRecord(AgentNameSchema, PatternNameSchema)],
  {
    error: 'expected a pattern name (idle, even, busy, burst) or a map of agent name → pattern name',
  },
);

export const BenchConfigSchema = z
  .strictObject({
    seed: z
      .number()
      .int()
      .nonnegative()
      .default(42)
      .describe('Seed of the shared benchmark workload. Default: 42.'),
    'benchmark-length': z
      .number()
      .int()
      .positive()
      .max(MAX_BENCH_DECISIONS, overLimit(MAX_BENCH_DECISIONS, 'decisions', 'MAX_BENCH_DECISIONS'))
      .describe(
        'Number of policy decisions per trial; the workload spans this many action intervals. Required.',
      ),
    agents: z
      .array(AgentNameSchema)
      .min(1)
      .default(['CodingAgent', 'RAGAgent'])
      .describe(
        'Agents that receive traffic. Used in canonical order (CodingAgent, RAGAgent, ChatAgent) whatever the order written. Default: [CodingAgent, RAGAgent].',
      ),
    workloads: WorkloadsSchema,
    workload_sequence: z
      .array(SequenceItem)
      .min(1)
      .optional()
      .describe(
        'Fixed cycle of phases instead of random choice: each item is a pattern for all agents or a map agent → pattern. Default: absent (random phases).',
      ),
    heuristic: z
      .strictObject({
        utilization_factor: z
          .number()
          .gt(0)
          .lte(1)
          .default(0.8)
          .describe('Fraction of a slice’s service rate the heuristic plans to use. Default: 0.8.'),
        high_threshold: z
          .number()
          .positive()
          .default(1.2)
          .describe('Load ratio above which an agent counts as overloaded. Default: 1.2.'),
        low_threshold: z
          .number()
          .positive()
          .default(0.8)
          .describe('Load ratio below which an agent counts as underloaded. Default: 0.8.'),
        service_rates: ServiceRatesSchema,
      })
      .prefault({})
      .describe('Rule-based heuristic baseline. Default: all defaults.'),
    qas: z
      .strictObject({
        L_target: z
          .number()
          .positive()
          .default(0.4)
          .describe('Base TTFT ceiling in seconds; an agent’s mean search overhead is added. Default: 0.4.'),
        min_quality_gain: z
          .number()
          .nonnegative()
          .default(0.25)
          .describe('Quality gain a feasible reconfiguration must exceed to be taken. Default: 0.25.'),
        split_headroom_factor: z
          .number()
          .gt(0)
          .lte(1)
          .default(0.8)
          .describe('Cap on each non-last engine’s share, as a fraction of its service rate. Default: 0.8.'),
        profile_table: TtftCurvesSchema,
      })
      .prefault({})
      .describe('Quality-aware scheduler baseline. Default: all defaults.'),
    idle_merge: z.preprocess(
      // The idle rate moved to the training config (one home, shared with the observation's idle clocks): a
      // config that still sets it here is told where it went, not just that the key is unknown.
      (value, ctx) => {
        if (value !== null && typeof value === 'object' && 'idle_rate' in value) {
          ctx.addIssue({
            code: 'custom',
            path: ['idle_rate'],
            message:
              'moved to the training config: idle_merge counts an agent idle below training.time_features.idle_rate, the idle rate the observation clocks use',
            params: {
              fix: 'remove idle_merge.idle_rate here and set training.time_features.idle_rate in the training config (configs/training_config.yaml, or --set training.time_features.idle_rate=…) instead',
            },
          });
        }
        return value;
      },
      z
        .strictObject({
          hold_s: z
            .number()
            .positive()
            .default(3300)
            .describe(
              'Seconds after an agent went idle at which its merged GPU is split back; keep it below the shortest idle phase (workloads.idle.duration) less an engine restart. Its idle rate is the training config’s training.time_features.idle_rate. `migflow deploy --policy idle_merge` reads it too. Default: 3300.',
            ),
        })
        .prefault({})
        .describe(
          'Timed-merge policy idle_merge (migflow, not a reference baseline). Default: all defaults.',
        ),
    ),
    linucb: z
      .strictObject({
        alpha: z
          .number()
          .nonnegative()
          .default(LINUCB_DEFAULTS.alpha)
          .describe(
            `Exploration weight α of the upper confidence bound θᵀx + α·√(xᵀA⁻¹x); 0 = always the current best estimate. Default: ${LINUCB_DEFAULTS.alpha}.`,
          ),
        regularization: z
          .number()
          .positive()
          .default(LINUCB_DEFAULTS.regularization)
          .describe(
            `Ridge regularisation λ: every arm starts from A = λI, b = 0 (larger = slower to trust few rewards). Default: ${LINUCB_DEFAULTS.regularization}.`,
          ),
      })
      .prefault({})
      .describe(
        'LinUCB contextual-bandit baseline (learns online from the training reward; context = the normalised observation). Default: all defaults.',
      ),
  })
  .superRefine((cfg, ctx) => {
    if (cfg.heuristic.low_threshold >= cfg.heuristic.high_threshold)
      addConfigIssue(
        ctx,
        ['heuristic', 'low_threshold'],
        `low_threshold ${cfg.heuristic.low_threshold} must be below high_threshold ${cfg.heuristic.high_threshold}`,
        'lower heuristic.low_threshold or raise heuristic.high_threshold',
      );
    const seen = new Set<string>();
    cfg.agents.forEach((agent, i) => {
      if (seen.has(agent))
        addConfigIssue(ctx, ['agents', i], `${agent} is listed twice`, 'list each agent once');
      seen.add(agent);
    });
    checkWorkloadsCoverAgents(ctx, cfg.workloads, cfg.agents, ['workloads']);
    cfg.workload_sequence?.forEach((item, i) => {
      if (typeof item === 'string') return;
      for (const agent of cfg.agents)
        if (!(agent in item))
          addConfigIssue(
            ctx,
            ['workload_sequence', i],
            `no pattern for ${agent}`,
            `add "${agent}: <pattern>" to this item or make it a plain pattern name`,
          );
    });
  });

/** Every active agent needs a rate in every pattern (a shared pair covers everyone). */
export function checkWorkloadsCoverAgents(
  ctx: RefineCtx,
  workloads: z.output<typeof WorkloadsSchema>,
  agents: readonly AgentName[],
  at: readonly PropertyKey[],
): void {
  for (const pattern of PATTERN_ORDER) {
    const rate = workloads[pattern].rate;
    if (Array.isArray(rate)) continue;
    for (const agent of agents)
      if (!(agent in rate))
        addConfigIssue(
          ctx,
          [...at, pattern, 'rate'],
          `no rate range for ${agent}`,
          `add "${agent}: [min, max]" under ${[...at, pattern, 'rate'].join('.')}`,
        );
  }
}

export type BenchConfigYaml = z.output<typeof BenchConfigSchema>;
export type RangeTuple = readonly [min: number, max: number];
export type WorkloadsYaml = z.output<typeof WorkloadsSchema>;

/** A pattern with the rate resolved per agent. */
export interface ResolvedPattern {
  ratePerS: Readonly<Partial<Record<AgentName, RangeTuple>>>;
  durationS: RangeTuple;
}
export type ResolvedWorkloads = Readonly<Record<PatternName, ResolvedPattern>>;
export type ServiceRateTable = z.output<typeof ServiceRatesSchema>;
export type TtftCurveTable = z.output<typeof TtftCurvesSchema>;

export interface ResolvedBenchConfig {
  file: string;
  seed: number;
  /** Decisions per trial. */
  benchmarkLength: number;
  /** Active agents in canonical order. */
  agents: readonly AgentName[];
  workloads: ResolvedWorkloads;
  /** Absent: phases are chosen at random. */
  workloadSequence?: readonly (PatternName | Partial<Record<AgentName, PatternName>>)[];
  heuristic: {
    utilizationFactor: number;
    highThreshold: number;
    lowThreshold: number;
    serviceRatesPerS: ServiceRateTable;
  };
  qas: {
    lTargetS: number;
    minQualityGain: number;
    splitHeadroomFactor: number;
    ttftCurves: TtftCurveTable;
  };
  linucb: {
    alpha: number;
    regularization: number;
  };
  /** core/control's idle_merge policy (its idle rate is the training config's `idleRateReqS`). */
  idleMerge: {
    holdS: number;
  };
}

/** Expands shared rate pairs so every agent has its own entry. */
export function resolveWorkloads(workloads: WorkloadsYaml, agents: readonly AgentName[]): ResolvedWorkloads {
  const out = {} as Record<PatternName, ResolvedPattern>;
  for (const pattern of PATTERN_ORDER) {
    const { rate, duration } = workloads[pattern];
    const ratePerS: Partial<Record<AgentName, RangeTuple>> = {};
    for (const agent of agents) {
      const r = Array.isArray(rate) ? rate : rate[agent];
      if (r) ratePerS[agent] = [r[0], r[1]];
    }
    out[pattern] = { ratePerS, durationS: [duration[0], duration[1]] };
  }
  return out;
}

export function sortAgents(agents: readonly AgentName[]): AgentName[] {
  return AGENT_ORDER.filter((a) => agents.includes(a));
}

export function resolveBenchConfig(file: string, cfg: BenchConfigYaml): ResolvedBenchConfig {
  const agents = sortAgents(cfg.agents);
  return {
    file,
    seed: cfg.seed,
    benchmarkLength: cfg['benchmark-length'],
    agents,
    workloads: resolveWorkloads(cfg.workloads, agents),
    ...(cfg.workload_sequence ? { workloadSequence: cfg.workload_sequence } : {}),
    heuristic: {
      utilizationFactor: cfg.heuristic.utilization_factor,
      highThreshold: cfg.heuristic.high_threshold,
      lowThreshold: cfg.heuristic.low_threshold,
      serviceRatesPerS: cfg.heuristic.service_rates,
    },
    qas: {
      lTargetS: cfg.qas.L_target,
      minQualityGain: cfg.qas.min_quality_gain,
      splitHeadroomFactor: cfg.qas.split_headroom_factor,
      ttftCurves: cfg.qas.profile_table,
    },
    linucb: { alpha: cfg.linucb.alpha, regularization: cfg.linucb.regularization },
    idleMerge: { holdS: cfg.idle_merge.hold_s },
  };
}

/** Reads and validates `configs/bench_config.yaml` (or another file of the same shape). */
export function loadBenchConfig(file: string): ResolvedBenchConfig {
  return resolveBenchConfig(file, loadYamlConfig(file, BenchConfigSchema));
}

/** Measured req/s for one (GPU model, agent, profile); 0 when not measured, as the reference does. */
export function measuredServiceRatePerS(
  table: ServiceRateTable,
  gpuModel: string,
  agent: AgentName,
  profile: string,
): number {
  return table[gpuModel]?.[agent]?.[profile] ?? 0;
}

/** The TTFT curve for one (GPU model, agent, profile); empty when not measured. */
export function ttftCurve(
  table: TtftCurveTable,
  gpuModel: string,
  agent: AgentName,
  profile: string,
): readonly (readonly [number, number])[] {
  return table[gpuModel]?.[agent]?.[profile] ?? [];
}
