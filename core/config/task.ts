/**
 * `configs/tasks/<name>.yaml`: one named benchmark workload of the task suite. A task starts from a bench config
 * (its seed, length and the tables the baselines decide with) and says what traffic the policies face: the bench
 * config's arrival patterns with some patterns or their order replaced (`kind: patterns`), or BurstGPT-shaped
 * bursts with Gamma-distributed gaps (`kind: bursty`). Paths are relative to the task file.
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import type { AgentName } from '../mig/index.js';
import {
  addConfigIssue,
  loadBenchConfig,
  PATTERN_ORDER,
  type PatternName,
  PatternSchema,
  positiveRange,
  type RangeTuple,
  RateSpec,
  type ResolvedBenchConfig,
  type ResolvedWorkloads,
  SequenceItem,
} from './bench.js';
import { parseYamlConfig, readConfigText } from './load.js';
import { simulationOverlaySchema } from './simulation.js';

export const PatternsWorkload = z.strictObject({
  kind: z.literal('patterns').describe('`patterns`. Required.'),
  workloads: z
    .strictObject({
      idle: PatternSchema.optional().describe('Replaces the bench config’s idle pattern.'),
      even: PatternSchema.optional().describe('Replaces the bench config’s even pattern.'),
      busy: PatternSchema.optional().describe('Replaces the bench config’s busy pattern.'),
      burst: PatternSchema.optional().describe('Replaces the bench config’s burst pattern.'),
    })
    .optional()
    .describe(
      'Patterns that replace the bench config’s (same shape as its `workloads`); the others are kept. Default: none replaced.',
    ),
  workload_sequence: z
    .array(SequenceItem)
    .min(1)
    .optional()
    .describe(
      'Fixed cycle of phases (a pattern for all agents, or a map agent → pattern); replaces the bench config’s. Default: the bench config’s (absent there: random phases).',
    ),
});

export const DEFAULT_GAMMA_SHAPE = 0.5;

export const BurstyWorkload = z.strictObject({
  kind: z.literal('bursty').describe('`bursty`. Required.'),
  base_rate: RateSpec.describe(
    'req/s between bursts: `[min, max]` for all agents or one per agent. Required.',
  ),
  burst_rate: RateSpec.describe(
    'req/s during a burst: `[min, max]` for all agents or one per agent. Required.',
  ),
  burst_duration: positiveRange('seconds').describe('Length of one burst `[min, max]` s. Required.'),
  quiet_duration: positiveRange('seconds').describe('Time between two bursts `[min, max]` s. Required.'),
  gamma_shape: z
    .number()
    .positive()
    .default(DEFAULT_GAMMA_SHAPE)
    .describe(
      `Shape k of the Gamma-distributed gaps (mean 1/rate, coefficient of variation 1/√k; 1 = Poisson). Default: ${DEFAULT_GAMMA_SHAPE}.`,
    ),
});

const TaskWorkload = z.discriminatedUnion('kind', [PatternsWorkload, BurstyWorkload], {
  error: 'expected workload.kind to be "patterns" or "bursty"',
});

const LongPromptsSchema = z.strictObject({
  share: z
    .number()
    .min(0)
    .max(1)
    .describe('Fraction of the agent’s dataset items whose prompt is replaced by a long one. Required.'),
  prompt_tokens: positiveRange('tokens').describe(
    'Length of a long prompt, uniform in `[min, max]` tokens. Required.',
  ),
});

function taskObject() {
  return z.strictObject({
    description: z.string().min(1).describe('What the task tests, in a sentence or two. Required.'),
    bench_config: z
      .string()
      .min(1)
      .default('../bench_config.yaml')
      .describe(
        'The bench config the task starts from (seed, benchmark-length, heuristic/QAS/LinUCB settings), relative to the task file. Default: ../bench_config.yaml.',
      ),
    seed: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .describe('Workload seed; replaces the bench config’s. Default: the bench config’s.'),
    'benchmark-length': z
      .number()
      .int()
      .positive()
      .optional()
      .describe('Decisions per trial; replaces the bench config’s. Default: the bench config’s.'),
    workload: TaskWorkload.describe(
      'The traffic of the task: `kind: patterns` or `kind: bursty`, with the fields listed under each. Required.',
    ),
    kv_capacity: z
      .boolean()
      .default(false)
      .describe(
        'Turn on the simulator’s KV-capacity rule (a deviation from the reference, docs/deviations.md): a request goes only to an engine that holds its prompt + completion — at most its KV capacity and its model’s max_model_len (configs/models/*.yaml) — and waits in its agent’s KV queue until one is ACTIVE; requests unfinished at the trial’s end count in the TTFT figures, censored at the end. Default: false (the reference’s dispatch).',
      ),
    long_prompts: z
      .union([LongPromptsSchema, z.record(z.string(), LongPromptsSchema)])
      .optional()
      .describe(
        'Long prompts: a seeded share of an agent’s items carry a prompt of this length (for every model of the agent). Either `{share, prompt_tokens}` for every agent or a map agent → `{share, prompt_tokens}` (e.g. only RAGAgent). Needs `kv_capacity: true`. Default: none.',
      ),
    simulation_overlay: z
      .string()
      .min(1)
      .optional()
      .describe(
        'A simulation overlay file, relative to the task file: models added to the simulation config’s registry and MIG instance entries that replace its own (same shape as simulation_config.yaml; e.g. a long-context model on RAG’s 7g.40gb). Applied wherever the task runs (bench, train --task). Default: none.',
      ),
  });
}

export const TaskConfigSchema = taskObject();
export type TaskConfigYaml = z.output<typeof TaskConfigSchema>;

/** The same schema, with the checks that need the bench config's agents. */
function taskSchemaFor(agents: readonly AgentName[]) {
  return taskObject().superRefine((task, ctx) => {
    if (task.long_prompts && !task.kv_capacity)
      addConfigIssue(
        ctx,
        ['long_prompts'],
        'long prompts without the KV-capacity rule would block an engine that cannot hold them for good',
        'add "kv_capacity: true" to the task',
      );
    const lp = task.long_prompts;
    if (lp && !('share' in lp))
      for (const agent of Object.keys(lp))
        if (!(agents as readonly string[]).includes(agent))
          addConfigIssue(
            ctx,
            ['long_prompts', agent],
            `${agent} is not an agent of the bench config`,
            `use one of ${agents.join(', ')}`,
          );
    const w = task.workload;
    const at = ['workload'];
    const coverRate = (spec: z.output<typeof RateSpec>, field: string) => {
      if (Array.isArray(spec)) return;
      for (const agent of agents)
        if (!(agent in spec))
          addConfigIssue(
            ctx,
            [...at, ...field.split('.')],
            `no rate range for ${agent}`,
            `add "${agent}: [min, max]" under workload.${field}`,
          );
    };
    if (w.kind === 'bursty') {
      coverRate(w.base_rate, 'base_rate');
      coverRate(w.burst_rate, 'burst_rate');
      return;
    }
    for (const pattern of PATTERN_ORDER) {
      const p = w.workloads?.[pattern];
      if (p) coverRate(p.rate, `workloads.${pattern}.rate`);
    }
    w.workload_sequence?.forEach((item, i) => {
      if (typeof item === 'string') return;
      for (const agent of agents)
        if (!(agent in item))
          addConfigIssue(
            ctx,
            [...at, 'workload_sequence', i],
            `no pattern for ${agent}`,
            `add "${agent}: <pattern>" to this item or make it a plain pattern name`,
          );
    });
  });
}

/** The bursty model's parameters, per agent (core/workload's `burstyBatch` draws from them). */
export interface BurstySpec {
  /** Per agent, req/s between bursts (labelled `even` in phase tables). */
  readonly baseRatePerS: Readonly<Partial<Record<AgentName, RangeTuple>>>;
  /** Per agent, req/s during a burst (labelled `burst`). */
  readonly burstRatePerS: Readonly<Partial<Record<AgentName, RangeTuple>>>;
  /** Length of one burst, uniform in [min, max] s. */
  readonly burstDurationS: RangeTuple;
  /** Quiet time between two bursts, uniform in [min, max] s (the first burst comes after one such stretch). */
  readonly quietDurationS: RangeTuple;
  /** Gamma shape k of the gaps (1 = Poisson; BurstGPT-like traffic has k < 1). */
  readonly gammaShape: number;
}

export type TaskWorkloadSpec =
  | { readonly kind: 'patterns' }
  | { readonly kind: 'bursty'; readonly spec: BurstySpec };

export interface ResolvedTask {
  /** The file name without `.yaml` (`easy`, `medium`, `hard` for the shipped suite). */
  readonly name: string;
  readonly file: string;
  readonly description: string;
  /** The bench config with the task's seed, length, patterns and sequence applied. */
  readonly bench: ResolvedBenchConfig;
  readonly workload: TaskWorkloadSpec;
  /** The simulator's KV-capacity rule (core/sim/kv-admission.ts). */
  readonly kvCapacity: boolean;
  /** Per agent, a seeded share of its items with long prompts (core/workload/long-prompts.ts); absent: none. */
  readonly longPrompts?: Readonly<Partial<Record<AgentName, LongPromptsPerAgent>>>;
  /** Absolute path of the task's simulation overlay (`loadSimulationConfig`'s `overlay` option). */
  readonly simulationOverlay?: string;
}

export interface LongPromptsPerAgent {
  readonly share: number;
  readonly promptTokens: RangeTuple;
}

function resolvedLongPrompts(
  lp: TaskConfigYaml['long_prompts'],
  agents: readonly AgentName[],
): Partial<Record<AgentName, LongPromptsPerAgent>> | undefined {
  if (!lp) return undefined;
  const spec = (x: z.output<typeof LongPromptsSchema>): LongPromptsPerAgent => ({
    share: x.share,
    promptTokens: [x.prompt_tokens[0], x.prompt_tokens[1]],
  });
  const out: Partial<Record<AgentName, LongPromptsPerAgent>> = {};
  for (const agent of agents) {
    const x = 'share' in lp ? (lp as z.output<typeof LongPromptsSchema>) : lp[agent];
    if (x) out[agent] = spec(x);
  }
  return out;
}

function perAgent(spec: z.output<typeof RateSpec>, agents: readonly AgentName[]) {
  const out: Partial<Record<AgentName, RangeTuple>> = {};
  for (const agent of agents) {
    const r = Array.isArray(spec) ? spec : spec[agent];
    if (r) out[agent] = [r[0], r[1]];
  }
  return out;
}

function mergedWorkloads(
  bench: ResolvedBenchConfig,
  replaced: Partial<Record<PatternName, z.output<typeof PatternSchema>>> | undefined,
): ResolvedWorkloads {
  const out = { ...bench.workloads };
  for (const pattern of PATTERN_ORDER) {
    const p = replaced?.[pattern];
    if (p)
      out[pattern] = { ratePerS: perAgent(p.rate, bench.agents), durationS: [p.duration[0], p.duration[1]] };
  }
  return out;
}

/** The options that load the simulation config as a task runs it (its overlay, if any): the one place they come from. */
export function taskSimulationOptions(task: ResolvedTask | undefined): { overlay?: string } {
  return task?.simulationOverlay !== undefined ? { overlay: task.simulationOverlay } : {};
}

/** Reads and validates a task file and the bench config it names. */
export function loadTaskConfig(file: string): ResolvedTask {
  const text = readConfigText(file, 'check the path; the suite lives in configs/tasks/');
  const shape = parseYamlConfig(file, text, TaskConfigSchema);
  const benchFile = isAbsolute(shape.bench_config)
    ? shape.bench_config
    : resolve(dirname(file), shape.bench_config);
  const base = loadBenchConfig(benchFile);
  const task = parseYamlConfig(file, text, taskSchemaFor(base.agents));
  const w = task.workload;
  const bench: ResolvedBenchConfig = {
    ...base,
    ...(task.seed !== undefined ? { seed: task.seed } : {}),
    ...(task['benchmark-length'] !== undefined ? { benchmarkLength: task['benchmark-length'] } : {}),
    ...(w.kind === 'patterns'
      ? {
          workloads: mergedWorkloads(base, w.workloads),
          ...(w.workload_sequence ? { workloadSequence: w.workload_sequence } : {}),
        }
      : {}),
  };
  const name = file.replace(/^.*[\\/]/, '').replace(/\.ya?ml$/, '');
  const longPrompts = resolvedLongPrompts(task.long_prompts, base.agents);
  const overlay =
    task.simulation_overlay === undefined
      ? undefined
      : isAbsolute(task.simulation_overlay)
        ? task.simulation_overlay
        : resolve(dirname(file), task.simulation_overlay);
  // The overlay's own shape is checked here (config check, bench and train alike); its fit against a simulation
  // config when the task runs (loadSimulationConfig's overlay option).
  if (overlay !== undefined)
    parseYamlConfig(
      overlay,
      readConfigText(overlay, `check simulation_overlay in ${file} (a path relative to the task file)`),
      simulationOverlaySchema,
    );
  return {
    name,
    file,
    description: task.description.trim(),
    bench,
    kvCapacity: task.kv_capacity,
    ...(longPrompts ? { longPrompts } : {}),
    ...(overlay ? { simulationOverlay: overlay } : {}),
    workload:
      w.kind === 'patterns'
        ? { kind: 'patterns' }
        : {
            kind: 'bursty',
            spec: {
              baseRatePerS: perAgent(w.base_rate, base.agents),
              burstRatePerS: perAgent(w.burst_rate, base.agents),
              burstDurationS: [w.burst_duration[0], w.burst_duration[1]],
              quietDurationS: [w.quiet_duration[0], w.quiet_duration[1]],
              gammaShape: w.gamma_shape,
            },
          },
  };
}
