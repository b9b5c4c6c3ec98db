/**
 * Inputs and results of the profiling stage (ProfilingSweepWorkflow → profileEngine on GPU queues) and the fit stage
 * (FitWritebackWorkflow → fitProfiles + writeBackProfiles), as zod schemas. Pure: safe in the workflow sandbox.
 */
import { z } from 'zod';
import { AgentNameSchema } from './agents.js';
import {
  configPath,
  heartbeatTimeoutField,
  nonEmptyList,
  nonEmptyString,
  nonNegativeInt,
  positiveInt,
  runIdField,
} from './fields.js';

const Latency = z.strictObject({
  alpha: z.number().min(0).describe('seconds'),
  beta: z.number().min(0).describe('seconds per token (prefill) or per running request (decode)'),
  sigma: z.number().min(0).describe('seconds'),
});

export const EmulatedEngineInput = z.strictObject({
  prefill: Latency.describe("the emulator's true TTFT parameters"),
  decode: Latency.describe("the emulator's true inter-token parameters"),
  kvCacheTokens: positiveInt().default(36_700).describe('KV-cache tokens it reports and enforces'),
  bootMs: nonNegativeInt().default(1_000).describe('time it takes to "load the model"'),
  seed: nonNegativeInt().default(0),
  naturalOutputMax: positiveInt()
    .optional()
    .describe('longest answer (tokens) to requests without ignore_eos, i.e. generate; default 256'),
});
export type EmulatedEngineInput = z.input<typeof EmulatedEngineInput>;
export type ResolvedEmulatedEngine = z.output<typeof EmulatedEngineInput>;

export const EngineInput = z.strictObject({
  image: nonEmptyString()
    .optional()
    .describe(
      "engine image; default: docker-compose.yaml's vllm-server image, or the emulator with `emulated`",
    ),
  emulated: EmulatedEngineInput.optional().describe(
    'profile the vLLM emulator (no GPU) with these true parameters instead of a real vLLM',
  ),
  healthTimeoutS: z.number().positive().default(600).describe('seconds to wait for /health after a start'),
});

export const ProfilingPlanInput = z
  .strictObject({
    prefill: z
      .strictObject({
        numPrompts: positiveInt().default(1000),
        requestRate: z.union([z.number().positive(), z.literal('inf')]).default(0.4),
        inputLen: positiveInt().default(1024),
        rangeRatio: z.number().min(0).max(1).default(0.9),
      })
      .prefault({}),
    concurrency: z
      .strictObject({
        levels: z
          .array(positiveInt())
          .min(2)
          .default(Array.from({ length: 30 }, (_, i) => i + 1)),
        promptsPerLevel: positiveInt()
          .optional()
          .describe(
            "prompts per level, at least the highest level (fewer never fill it); default the reference's 20 + floor((N−1)·60/29)",
          ),
        inputLen: positiveInt().default(2),
        outputLen: positiveInt().default(512),
        rangeRatio: z.number().min(0).max(1).default(0.3),
        pauseBetweenLevelsMs: nonNegativeInt().default(2_000),
      })
      // A level of N never has more requests in flight than it has prompts; the TPOT fit would read its gaps at N.
      .refine((c) => c.promptsPerLevel === undefined || c.levels.every((n) => n <= c.promptsPerLevel!), {
        message:
          'promptsPerLevel is below the highest concurrency level, which then never reaches its concurrency: raise promptsPerLevel to the highest level or more, or drop the levels above it',
        path: ['promptsPerLevel'],
      })
      .prefault({}),
    seed: nonNegativeInt().default(0),
  })
  .describe("the sweeps; every default is the reference's (bench_serve_prefill.sh, bench_serve_tpot.sh)");
export type ProfilingPlanInput = z.input<typeof ProfilingPlanInput>;
export type ResolvedProfilingPlan = z.output<typeof ProfilingPlanInput>;

export const ProfilingTarget = z.strictObject({
  model: nonEmptyString().describe('model key under `model:` in simulation_config.yaml'),
  profile: z
    .string()
    .regex(/^\d+g\.\d+gb$/)
    .describe('MIG profile of the slice, e.g. 1g.10gb'),
  gpu: nonNegativeInt().describe('GPU index: the work runs on task queue migflow-gpu-<gpu>'),
  migUuid: nonEmptyString().optional().describe('MIG device UUID of the slice; default an emulated one'),
  port: z.number().int().min(1024).max(65535).optional().describe('engine port; default a free port'),
  emulated: EmulatedEngineInput.optional().describe("this target's emulator truth; default engine.emulated"),
  generateDataset: nonEmptyString()
    .optional()
    .describe(
      'prepared ShareGPT JSONL whose prompts are replayed after the sweeps (generate_path); default none',
    ),
  agents: nonEmptyList(AgentNameSchema)
    .optional()
    .describe(
      'config entries to write the results to; default every agent whose entry for this GPU model and profile serves this model',
    ),
});
export type ProfilingTarget = z.infer<typeof ProfilingTarget>;

export const ProfilingSweepInput = z.strictObject({
  targets: nonEmptyList(ProfilingTarget).describe('(model, MIG profile) pairs; each runs on its GPU queue'),
  gpuModel: nonEmptyString().default('A100_40GB').describe('GPU model the slices belong to'),
  simulationConfig: configPath(
    'configs/simulation_config.yaml',
    'read for the model registry (vllm_config, kv_per_token_KB)',
  ),
  plan: ProfilingPlanInput.prefault({}),
  engine: EngineInput.prefault({}),
  runId: runIdField(),
  heartbeatTimeoutS: heartbeatTimeoutField(60),
});
export type ProfilingSweepInput = z.input<typeof ProfilingSweepInput>;
export type ProfilingSweepSettings = z.output<typeof ProfilingSweepInput>;

/** One profileEngine call. */
export const ProfileEngineInput = z.strictObject({
  runId: nonEmptyString(),
  target: ProfilingTarget,
  gpuModel: nonEmptyString(),
  simulationConfig: nonEmptyString(),
  plan: ProfilingPlanInput,
  engine: EngineInput,
});
export type ProfileEngineInput = z.input<typeof ProfileEngineInput>;

/**
 * What profiling measured of the board's power (nvidia-smi power.draw against the engine's utilisation): the fit
 * P = idle + dynamic·u, or why there is none (`[N/A]` readings, no samples) — then the config keeps its figures.
 */
export const ProfiledPower = z.discriminatedUnion('status', [
  z.strictObject({
    status: z.literal('measured'),
    idleW: z.number().nonnegative(),
    dynamicW: z.number().positive(),
    samples: z.number().int().nonnegative(),
    busySamples: z.number().int().nonnegative(),
  }),
  z.strictObject({
    status: z.literal('unavailable'),
    reason: z.string(),
    samples: z.number().int().nonnegative(),
  }),
]);
export type ProfiledPower = z.infer<typeof ProfiledPower>;

/** What profileEngine returns: paths and the measured scalars, never the per-request arrays. */
export interface ProfileEngineResult {
  runId: string;
  model: string;
  profile: string;
  gpu: number;
  gpuModel: string;
  agents?: ProfilingTarget['agents'];
  cacheKey: string;
  hit: boolean;
  /** Published cache entry: prefill/*.json, tpot/*.json, engine.log. */
  dir: string;
  prefillFile: string;
  tpotDir: string;
  kvCacheGb: number;
  kvCacheTokens: number | null;
  restartTimeS: number;
  /** The generate JSONL in the cache entry, when generateDataset was given. */
  generatePath?: string;
  /** The board's power during the sweeps (absent from results cached before power was measured). */
  power?: ProfiledPower;
  durationMs: number;
}

export interface ProfilingSweepResult {
  runId: string;
  profiles: ProfileEngineResult[];
}

/** The part of a profileEngine result the fit stage reads (a whole result is accepted as is). */
export const ProfiledEntry = z.object({
  model: nonEmptyString(),
  profile: nonEmptyString(),
  gpuModel: nonEmptyString(),
  agents: z.array(AgentNameSchema).optional(),
  prefillFile: nonEmptyString(),
  tpotDir: nonEmptyString(),
  kvCacheGb: z.number().positive(),
  restartTimeS: z.number().positive(),
  generatePath: nonEmptyString().optional(),
  power: ProfiledPower.optional(),
});
export type ProfiledEntry = z.infer<typeof ProfiledEntry>;

export const FitWritebackInput = z.strictObject({
  profiles: nonEmptyList(ProfiledEntry).describe("profileEngine results (ProfilingSweepWorkflow's profiles)"),
  simulationConfig: configPath(
    'configs/simulation_config.yaml',
    'the file the fitted values are written into',
  ),
  includeFailed: z
    .boolean()
    .default(false)
    .describe('fit failed prefill requests too, as the reference does'),
  runId: runIdField(),
});
export type FitWritebackInput = z.input<typeof FitWritebackInput>;

export interface FitResult {
  model: string;
  profile: string;
  gpuModel: string;
  cacheKey: string;
  hit: boolean;
  dir: string;
  prefill: {
    alpha: number;
    beta: number;
    sigma: number;
    r_squared: number | null;
    samples: number;
    droppedFailed: number;
    /** The shortest prompt fitted (tokens); the write-back judges a negative α by the TTFT there. */
    minInputTokens: number;
  };
  tpot: { alpha: number; beta: number; sigma: number; r_squared: number | null; samples: number };
  prefillParamFile: string;
  tpotParamFile: string;
}

/** What `fitProfiles` takes: one profiling result to fit. */
export interface FitProfilesArgs {
  profile: ProfiledEntry;
  includeFailed: boolean;
}

/** What `writeBackProfiles` takes: every fit of a run, written into one simulation config at once. */
export interface WriteBackArgs {
  simulationConfig: string;
  entries: { profile: ProfiledEntry; fit: FitResult }[];
}

export interface WriteBackResult {
  file: string;
  changed: boolean;
  /** (agent, GPU model, profile) entries written. */
  entries: string[];
  /** Per profiled (GPU model, profile): the power figures written, or why the documented default stays. */
  power?: string[];
}

export interface FitWritebackResult {
  runId: string;
  fits: FitResult[];
  writeBack: WriteBackResult;
}
