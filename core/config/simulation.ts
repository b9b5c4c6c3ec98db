/**
 * Schema and loader for `configs/simulation_config.yaml`: which agents are active, the model registry, and per
 * agent × GPU model × MIG profile the engine parameters (model, KV cache, restart time, latency fits α/β/σ).
 * The loader also derives the cluster the reference derives: managed GPUs 0..N−1 of `simulation.gpu_model`, one
 * permanent A100_40GB last, one permanent 2G engine per agent on it, and the initial agent of each managed GPU.
 * Cross-field problems (unknown or unsupported profile, missing profile or parameter, agent count) are
 * ConfigErrors naming the file, the YAML path with its line, and the fix.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve as resolvePath } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { z } from 'zod';
import { formatPath } from '../../contracts/index.js';
import { ConfigError } from '../errors.js';
import type { StateId } from '../mig/index.js';
import {
  type AgentName,
  agentsInEnumOrder,
  BUILTIN_GPU_PROFILE_SETS,
  type GpuProfileSet,
  type HardwareProfile,
  hardwareProfileByName,
  hardwareProfileOf,
  isAgentName,
  usedLogicalProfiles,
  validStates,
} from '../mig/index.js';
import { loadGpuModel } from './gpu.js';
import { parseYamlConfig, readConfigText } from './load.js';

/** The GPU model of the permanent (unmanaged) GPU, whatever `simulation.gpu_model` says. */
export const PERMANENT_GPU_MODEL = 'A100_40GB';
/** KV-cache GB → KB, as the reference converts (binary). */
export const KB_PER_GB = 1048576;

const latencyParamsSchema = z
  .object({
    // A negative intercept or slope makes latencies negative: the simulator then finishes requests before they
    // start and reports nonsense (throughput 0 with a better reward), so both are refused here.
    alpha: z
      .number()
      .min(0, 'a latency intercept cannot be negative (requests would finish before they start)')
      .describe('intercept in seconds, ≥ 0; no default (written by the fit stage)'),
    beta: z
      .number()
      .min(0, 'a latency slope cannot be negative (more work would take less time)')
      .describe('seconds per prefill token (prefill) or per running request (tpot), ≥ 0; no default'),
    sigma: z.number().min(0).describe('standard deviation of the Gaussian noise in seconds; no default'),
  })
  .strict();

const engineProfileSchema = z
  .object({
    model: z.string().min(1).describe('name of an entry under `model:` served on this instance; no default'),
    generate_path: z
      .string()
      .min(1)
      .describe(
        'JSONL of (id, prompt_tokens, completion_tokens) this model produced for the agent; no default',
      ),
    kv_cache_GB: z
      .number()
      .positive()
      .describe('KV-cache memory vLLM reports on this instance, in GB; no default'),
    restart_time: z
      .number()
      .positive()
      .describe('seconds to stop and start the engine on this instance; no default'),
    param: z
      .object({
        prefill: latencyParamsSchema.describe(
          'TTFT fit: prefill(x) = α + β·x + N(0, σ) for x batched prompt tokens',
        ),
        tpot: latencyParamsSchema.describe('ITL fit: tpot(n) = α + β·n + N(0, σ) for n decoding requests'),
      })
      .strict()
      .describe('latency fits from the profiling stage; no default'),
  })
  .strict();

const searchOverheadSchema = z
  .object({
    min: z.number().min(0).default(0.05).describe('shortest RAG retrieval delay in seconds; default 0.05'),
    max: z.number().min(0).default(0.3).describe('longest RAG retrieval delay in seconds; default 0.3'),
    model: z.string().optional().describe('informational only (the delay is uniform); default unset'),
  })
  .strict()
  .refine((o) => o.min <= o.max, {
    message: 'min is above max',
    path: ['min'],
    params: { fix: 'swap min and max (the delay is drawn uniformly from [min, max])' },
  });

const agentGpuSchema = z
  .object({
    mig: z
      .record(z.string(), engineProfileSchema)
      .describe('per MIG instance name (e.g. 3g.20gb) the engine parameters; no default'),
    'search-overhead': searchOverheadSchema
      .optional()
      .describe(
        'RAG retrieval delay, read from the RAG agent on managed GPU 1; default {min: 0.05, max: 0.3}',
      ),
  })
  .strict();

const modelSchema = z
  .object({
    kv_per_token_KB: z.number().positive().describe('KV-cache size of one token in KB; no default'),
    vllm_config: z
      .string()
      .min(1)
      .describe('vLLM --config YAML of the model; max_num_batched_tokens is read from it unless given here'),
    max_num_batched_tokens: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('prefill token budget per engine iteration; default: the value in vllm_config'),
  })
  .strict();

export const simulationConfigSchema = z
  .object({
    agent: z
      .record(z.string(), z.boolean())
      .optional()
      .describe(
        'active agents (true/false); 2 (CodingAgent, RAGAgent) or 3 (+ ChatAgent); default: every agent under simulation.agents',
      ),
    datasets: z
      .record(z.string(), z.string())
      .default({})
      .describe(
        'per agent, the local path of its prepared dataset (used only to fetch prompt text); default {}',
      ),
    model: z.record(z.string(), modelSchema).describe('model registry, keyed by model name; no default'),
    simulation: z
      .object({
        gpu_model: z
          .string()
          .min(1)
          .default('A100_40GB')
          .describe('GPU model of the managed GPUs, a file name under configs/gpus/; default A100_40GB'),
        agents: z
          .record(z.string(), z.record(z.string(), agentGpuSchema))
          .describe('per agent, per GPU model, the engine parameters of every MIG instance; no default'),
      })
      .strict(),
    power: z
      .record(
        z.string(),
        z
          .object({
            idle_w: z.number().nonnegative().describe('whole-GPU power when idle, W'),
            max_w: z.number().positive().describe('whole-GPU power at full utilisation, W'),
            profiles: z
              .record(
                z.string(),
                z.object({ idle_w: z.number().nonnegative(), max_w: z.number().positive() }).strict(),
              )
              .default({})
              .describe('per MIG profile name: measured figures replacing the size/7 share of the GPU’s'),
          })
          .strict()
          .refine((p) => p.idle_w <= p.max_w, 'idle_w must not exceed max_w'),
      )
      .default({})
      .describe(
        'per GPU model, the power model of energy and EDP in bench results (P = idle + (max − idle)·utilisation per slice); default: public A100/B200 figures (core/sim/energy.ts)',
      ),
  })
  .strict();

/**
 * A simulation overlay (a task's `simulation_overlay`, e.g. configs/tasks/hard-simulation.yaml): models to add to
 * the registry and (agent, GPU model, MIG instance) entries that replace the simulation config's, in the same shape
 * as simulation_config.yaml. It lets a task serve another model on some slices (hard: a long-context model on RAG's
 * 7g.40gb) without a second copy of the whole simulation config.
 */
export const simulationOverlaySchema = z
  .object({
    model: z
      .record(z.string(), modelSchema)
      .default({})
      .describe(
        'Models added to the simulation config’s registry (new names only), each `{kv_per_token_KB, vllm_config, max_num_batched_tokens?}` as there. Default: none.',
      ),
    simulation: z
      .object({
        agents: z
          .record(
            z.string(),
            z.record(
              z.string(),
              z
                .object({
                  mig: z
                    .record(z.string(), engineProfileSchema)
                    .describe('per MIG instance name, the entry that replaces the simulation config’s'),
                })
                .strict(),
            ),
          )
          .describe(
            'Per agent, per GPU model, `mig: {<profile>: entry}` with entries of simulation_config.yaml’s shape (model, generate_path, kv_cache_GB, restart_time, param) that replace its own. Required.',
          ),
      })
      .strict()
      .describe('Which engine entries to replace. Required.'),
  })
  .strict();

export type SimulationConfig = z.input<typeof simulationConfigSchema>;
type ParsedSimulationConfig = z.output<typeof simulationConfigSchema>;

/** α/β/σ of one latency fit, in seconds. */
export interface LatencyParams {
  readonly alpha: number;
  readonly beta: number;
  readonly sigma: number;
}

/** Everything the simulator needs to run one agent's engine on one MIG instance kind of one GPU model. */
export interface EngineProfileConfig {
  readonly agent: AgentName;
  readonly gpuModel: string;
  readonly profile: HardwareProfile;
  readonly model: string;
  readonly generatePath: string;
  readonly kvCacheGb: number;
  readonly kvPerTokenKb: number;
  /** floor(kvCacheGb × 1048576 / kvPerTokenKb). */
  readonly kvCapacityTokens: number;
  /** The model's `max_model_len` from its vLLM config (absent there: no limit known). */
  readonly maxModelLen?: number;
  readonly maxBatchedTokens: number;
  readonly restartTimeS: number;
  readonly prefill: LatencyParams;
  readonly tpot: LatencyParams;
}

export interface ModelConfig {
  readonly kvPerTokenKb: number;
  readonly vllmConfig: string;
  readonly maxBatchedTokens: number;
  /**
   * `max_model_len` of the vLLM config (the longest prompt + completion the engine accepts); absent when the file
   * does not set it. Only the KV-capacity rule reads it (core/sim/kv-admission.ts).
   */
  readonly maxModelLen?: number;
}

/** One GPU of the derived cluster. */
export interface ClusterGpu {
  readonly gpu: number;
  readonly gpuModel: string;
  readonly profileSet: GpuProfileSet;
  /** False for the permanent GPU, which the policy never reconfigures. */
  readonly managed: boolean;
  readonly validStates: readonly StateId[];
  /** Agents that own this managed GPU at reset (YAML order i → GPU i mod N); empty for the permanent GPU. */
  readonly initialAgents: readonly AgentName[];
}

export interface PermanentEngineSpec {
  readonly agent: AgentName;
  readonly gpu: number;
  readonly profile: HardwareProfile;
}

export interface ResolvedSimulationConfig {
  readonly file: string;
  readonly agentCount: 2 | 3;
  /** Active agents in the order of the `agent:` block (drives GPU assignment). */
  readonly agentsYamlOrder: readonly AgentName[];
  /** Active agents in enum order (Coding, RAG[, Chat]): receivers and workload generation. */
  readonly agentsEnumOrder: readonly AgentName[];
  readonly gpuModel: string;
  /** Indexed by GPU id: managed GPUs 0..N−1, then the permanent GPU N. */
  readonly cluster: readonly ClusterGpu[];
  readonly managedGpus: readonly number[];
  readonly permanentGpu: number;
  /** One 2G engine per agent on the permanent GPU, YAML order. */
  readonly permanentEngines: readonly PermanentEngineSpec[];
  readonly models: Readonly<Record<string, ModelConfig>>;
  readonly datasets: Readonly<Record<string, string>>;
  /** Uniform bounds of the RAG retrieval delay in seconds. */
  readonly ragSearchOverheadS: { readonly min: number; readonly max: number };
  /** agent → GPU model → instance name → parameters, for every configured instance of the GPU models in use. */
  readonly engines: Readonly<
    Partial<Record<AgentName, Readonly<Record<string, Readonly<Record<string, EngineProfileConfig>>>>>>
  >;
  /** GPU model → power figures (W) from the `power` section; models not listed use the built-in defaults. */
  readonly power?: Readonly<Record<string, GpuPowerConfig>>;
}

export interface GpuPowerConfig {
  readonly idleW: number;
  readonly maxW: number;
  readonly profiles: Readonly<Record<string, { readonly idleW: number; readonly maxW: number }>>;
}

export interface SimulationConfigOptions {
  /** Folder of `<GPU_MODEL>.yaml` files; default: the first `gpus/` beside or above the config file, else built-ins. */
  readonly gpuDir?: string;
  /** Base of relative `vllm_config` paths; default: the current directory. */
  readonly rootDir?: string;
  /** Profile sets to use instead of reading files (tests, callers that loaded them already). */
  readonly gpuProfileSets?: Readonly<Record<string, GpuProfileSet>>;
  /** A simulation overlay file (`simulationOverlaySchema`) applied before resolving; a task's `simulation_overlay`. */
  readonly overlay?: string;
}

/** The parameters of `agent`'s engine on instance `profileName` of `gpuModel`; ConfigError when not configured. */
export function engineProfileConfig(
  cfg: ResolvedSimulationConfig,
  agent: AgentName,
  gpuModel: string,
  profileName: string,
): EngineProfileConfig {
  const e = cfg.engines[agent]?.[gpuModel]?.[profileName];
  if (!e) {
    throw new ConfigError(
      cfg.file,
      `simulation.agents.${agent}.${gpuModel}.mig.${profileName}`,
      'no engine parameters for this instance',
      `add a ${profileName} entry (model, generate_path, kv_cache_GB, restart_time, param) under that path`,
    );
  }
  return e;
}

/** Line (1-based) of the key (or sequence item) at the end of `path` in YAML `text`; of its deepest existing parent when absent. */
export function yamlLineOf(text: string, path: readonly (string | number)[]): number | undefined {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter });
  let node: unknown = doc.contents;
  const at = (n: { range?: readonly number[] | null } | null | undefined) =>
    n?.range ? counter.linePos(n.range[0]!).line : undefined;
  let line = at(node as Node | undefined);
  for (const p of path) {
    if (isMap(node)) {
      const pair = node.items.find((it) => (isScalar(it.key) ? it.key.value : it.key) === p);
      if (!pair) break;
      line = at(pair.key as Node) ?? line;
      node = pair.value;
    } else if (isSeq(node)) {
      const item = node.items[p as number] as Node | undefined;
      if (!item) break;
      line = at(item) ?? line;
      node = item;
    } else break;
  }
  return line;
}

/** Builds ConfigErrors whose field carries the YAML line of `path`. */
export function configErrorAt(file: string, text: string | undefined) {
  return (path: readonly (string | number)[], problem: string, fix: string): ConfigError => {
    const line = text === undefined ? undefined : yamlLineOf(text, path);
    return new ConfigError(
      file,
      formatPath(path) + (line === undefined ? '' : ` (line ${line})`),
      problem,
      fix,
    );
  };
}

function findGpuDir(file: string): string | undefined {
  let dir = dirname(resolvePath(file));
  for (let i = 0; i < 3; i++) {
    const candidate = join(dir, 'gpus');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  return undefined;
}

/** Where the loader reads a model's `vllm_config` (relative paths are under `rootDir`). */
function vllmConfigPath(vllmConfig: string, rootDir: string): string {
  return isAbsolute(vllmConfig) ? vllmConfig : join(rootDir, vllmConfig);
}

/** A positive whole-number key of a model's vLLM config file, or undefined (no file, no key). */
function readVllmInt(
  vllmConfig: string,
  rootDir: string,
  key: 'max_num_batched_tokens' | 'max_model_len',
): number | undefined {
  const p = vllmConfigPath(vllmConfig, rootDir);
  if (!existsSync(p)) return undefined;
  const doc = parseDocument(readFileSync(p, 'utf8')).toJS() as Record<string, unknown> | null;
  const v = doc?.[key];
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined;
}

function resolveConfig(
  file: string,
  text: string | undefined,
  raw: ParsedSimulationConfig,
  opts: SimulationConfigOptions,
): ResolvedSimulationConfig {
  const err = configErrorAt(file, text);
  const agentDefs = raw.simulation.agents;

  // Active agents, YAML order.
  let yamlOrder: string[];
  if (raw.agent) {
    for (const name of Object.keys(raw.agent)) {
      if (!isAgentName(name)) {
        throw err(
          ['agent', name],
          `unknown agent ${JSON.stringify(name)}`,
          'use CodingAgent, RAGAgent or ChatAgent',
        );
      }
    }
    yamlOrder = Object.entries(raw.agent)
      .filter(([, on]) => on)
      .map(([n]) => n);
  } else {
    yamlOrder = Object.keys(agentDefs);
  }
  const count = yamlOrder.length;
  if (count !== 2 && count !== 3) {
    throw err(
      raw.agent ? ['agent'] : ['simulation', 'agents'],
      `${count} active agents; the action space and observation are defined for 2 or 3`,
      'activate CodingAgent and RAGAgent (2 agents) or all of CodingAgent, RAGAgent and ChatAgent (3 agents)',
    );
  }
  for (const name of yamlOrder) {
    if (!isAgentName(name)) {
      throw err(
        ['simulation', 'agents', name],
        `unknown agent ${JSON.stringify(name)}`,
        'use CodingAgent, RAGAgent or ChatAgent',
      );
    }
  }
  const enumOrder = agentsInEnumOrder(count);
  const missingFromSet = enumOrder.filter((a) => !yamlOrder.includes(a));
  if (missingFromSet.length > 0) {
    throw err(
      raw.agent ? ['agent'] : ['simulation', 'agents'],
      `with ${count} agents the active set must be ${enumOrder.join(', ')}; ${missingFromSet.join(', ')} is not active`,
      count === 2
        ? 'activate exactly CodingAgent and RAGAgent'
        : 'activate CodingAgent, RAGAgent and ChatAgent',
    );
  }
  const agentsYamlOrder = yamlOrder as AgentName[];

  // GPU profile sets.
  const gpuDir = opts.gpuDir ?? findGpuDir(file);
  const sets = new Map<string, GpuProfileSet>();
  const profileSetOf = (model: string, path: (string | number)[]): GpuProfileSet => {
    const known = sets.get(model);
    if (known) return known;
    let set = opts.gpuProfileSets?.[model];
    if (!set && gpuDir && existsSync(join(gpuDir, `${model}.yaml`))) set = loadGpuModel(gpuDir, model);
    if (!set && !opts.gpuProfileSets) set = BUILTIN_GPU_PROFILE_SETS[model];
    if (!set) {
      throw err(
        path,
        `unknown GPU model ${JSON.stringify(model)}${gpuDir ? ` (no ${join(gpuDir, `${model}.yaml`)})` : ''}`,
        `add configs/gpus/${model}.yaml or use one of ${Object.keys(BUILTIN_GPU_PROFILE_SETS).join(', ')}`,
      );
    }
    sets.set(model, set);
    return set;
  };
  const managedSet = profileSetOf(raw.simulation.gpu_model, ['simulation', 'gpu_model']);
  const permanentSet = profileSetOf(PERMANENT_GPU_MODEL, ['simulation', 'gpu_model']);

  // Models.
  const rootDir = opts.rootDir ?? process.cwd();
  const models: Record<string, ModelConfig> = {};
  for (const [name, m] of Object.entries(raw.model)) {
    const maxBatchedTokens =
      m.max_num_batched_tokens ?? readVllmInt(m.vllm_config, rootDir, 'max_num_batched_tokens');
    if (maxBatchedTokens === undefined) {
      throw err(
        ['model', name],
        `max_num_batched_tokens is not set and ${m.vllm_config} (under ${rootDir}) does not provide it`,
        `set model.${name}.max_num_batched_tokens or add max_num_batched_tokens to ${m.vllm_config}`,
      );
    }
    const maxModelLen = readVllmInt(m.vllm_config, rootDir, 'max_model_len');
    models[name] = {
      kvPerTokenKb: m.kv_per_token_KB,
      vllmConfig: m.vllm_config,
      maxBatchedTokens,
      ...(maxModelLen !== undefined ? { maxModelLen } : {}),
    };
  }

  // Engines of every GPU model in use, per active agent.
  const modelsInUse = [...new Set([raw.simulation.gpu_model, PERMANENT_GPU_MODEL])];
  const engines: Partial<Record<AgentName, Record<string, Record<string, EngineProfileConfig>>>> = {};
  for (const agent of agentsYamlOrder) {
    const def = agentDefs[agent];
    if (!def) {
      throw err(
        ['simulation', 'agents'],
        `active agent ${agent} has no configuration`,
        `add simulation.agents.${agent}`,
      );
    }
    engines[agent] = {};
    for (const gpuModel of modelsInUse) {
      const set = gpuModel === raw.simulation.gpu_model ? managedSet : permanentSet;
      const block = def[gpuModel];
      const blockPath = ['simulation', 'agents', agent];
      if (!block) {
        throw err(
          blockPath,
          `${agent} has no configuration for GPU model ${gpuModel}${gpuModel === PERMANENT_GPU_MODEL ? ' (the permanent GPU is always A100_40GB)' : ''}`,
          `add simulation.agents.${agent}.${gpuModel}.mig with an entry per instance kind`,
        );
      }
      const byName: Record<string, EngineProfileConfig> = {};
      for (const [profileName, e] of Object.entries(block.mig)) {
        const path = [...blockPath, gpuModel, 'mig', profileName];
        const hw = hardwareProfileByName(set, profileName);
        if (!hw) {
          const known = set.profiles.map((p) => p.name).join(', ');
          const wellFormed = /^\d+g\.\d+gb$/.test(profileName);
          throw err(
            path,
            wellFormed
              ? `${profileName} is not a MIG profile of ${gpuModel}`
              : `unknown MIG profile ${JSON.stringify(profileName)} (expected "<slices>g.<vram>gb")`,
            `use one of ${gpuModel}'s profiles: ${known}`,
          );
        }
        const model = models[e.model];
        if (!model) {
          throw err(
            [...path, 'model'],
            `model ${JSON.stringify(e.model)} is not in the model registry`,
            `add model.${e.model} (kv_per_token_KB, vllm_config) or use one of ${Object.keys(models).join(', ')}`,
          );
        }
        byName[profileName] = {
          agent,
          gpuModel,
          profile: hw,
          model: e.model,
          generatePath: e.generate_path,
          kvCacheGb: e.kv_cache_GB,
          kvPerTokenKb: model.kvPerTokenKb,
          kvCapacityTokens: Math.floor((e.kv_cache_GB * KB_PER_GB) / model.kvPerTokenKb),
          ...(model.maxModelLen !== undefined ? { maxModelLen: model.maxModelLen } : {}),
          maxBatchedTokens: model.maxBatchedTokens,
          restartTimeS: e.restart_time,
          prefill: e.param.prefill,
          tpot: e.param.tpot,
        };
      }
      for (const logical of usedLogicalProfiles(set)) {
        const hw = hardwareProfileOf(set, logical);
        if (!byName[hw.name]) {
          throw err(
            [...blockPath, gpuModel, 'mig'],
            `${agent} on ${gpuModel} lacks the ${hw.name} instance, which some valid geometry of that GPU uses`,
            `add simulation.agents.${agent}.${gpuModel}.mig.${hw.name} with model, generate_path, kv_cache_GB, restart_time and param`,
          );
        }
      }
      engines[agent][gpuModel] = byName;
    }
  }

  // Derived cluster.
  const managedGpus = agentsYamlOrder.map((_, i) => i);
  const permanentGpu = count;
  const initial: AgentName[][] = managedGpus.map(() => []);
  agentsYamlOrder.forEach((a, i) => {
    initial[i % managedGpus.length]!.push(a);
  });
  const cluster: ClusterGpu[] = [
    ...managedGpus.map((gpu) => ({
      gpu,
      gpuModel: managedSet.gpuModel,
      profileSet: managedSet,
      managed: true,
      validStates: validStates(managedSet),
      initialAgents: initial[gpu]!,
    })),
    {
      gpu: permanentGpu,
      gpuModel: permanentSet.gpuModel,
      profileSet: permanentSet,
      managed: false,
      validStates: validStates(permanentSet),
      initialAgents: [],
    },
  ];
  const permanent2g = hardwareProfileOf(permanentSet, '2G');
  const permanentEngines = agentsYamlOrder.map((agent) => ({
    agent,
    gpu: permanentGpu,
    profile: permanent2g,
  }));

  // RAG search delay comes from the RAG agent's block of managed GPU 1's model, as in the reference.
  const so = agentDefs.RAGAgent?.[managedSet.gpuModel]?.['search-overhead'];
  const ragSearchOverheadS = { min: so?.min ?? 0.05, max: so?.max ?? 0.3 };
  if (ragSearchOverheadS.min > ragSearchOverheadS.max) {
    throw err(
      ['simulation', 'agents', 'RAGAgent', managedSet.gpuModel, 'search-overhead'],
      `min ${ragSearchOverheadS.min} is above max ${ragSearchOverheadS.max}`,
      'swap the two bounds',
    );
  }

  return {
    file,
    agentCount: count,
    agentsYamlOrder,
    agentsEnumOrder: enumOrder,
    gpuModel: managedSet.gpuModel,
    cluster,
    managedGpus,
    permanentGpu,
    permanentEngines,
    models,
    datasets: raw.datasets,
    ragSearchOverheadS,
    engines,
    power: Object.fromEntries(
      Object.entries(raw.power).map(([gpu, p]) => [
        gpu,
        {
          idleW: p.idle_w,
          maxW: p.max_w,
          profiles: Object.fromEntries(
            Object.entries(p.profiles).map(([name, f]) => [name, { idleW: f.idle_w, maxW: f.max_w }]),
          ),
        },
      ]),
    ),
  };
}

/** Validates simulation config YAML text; `file` names it in messages. */
export function parseSimulationConfig(
  file: string,
  text: string,
  opts: SimulationConfigOptions = {},
): ResolvedSimulationConfig {
  const raw = parseYamlConfig(file, text, simulationConfigSchema);
  if (opts.overlay === undefined) return resolveConfig(file, text, raw, opts);
  const merged = withOverlay(raw, opts.overlay);
  // The merged document has no one text: messages name the simulation config, whose entries are now checked with
  // the overlay's in place (the overlay's own mistakes were reported against the overlay file above).
  return resolveConfig(file, undefined, merged, opts);
}

/** The simulation config with an overlay file's models added and its MIG instance entries replacing the config's. */
function withOverlay(raw: ParsedSimulationConfig, overlayFile: string): ParsedSimulationConfig {
  const text = readConfigText(
    overlayFile,
    'check the task’s simulation_overlay path (relative to the task file)',
  );
  const overlay = parseYamlConfig(overlayFile, text, simulationOverlaySchema);
  const err = configErrorAt(overlayFile, text);
  const model = { ...raw.model };
  for (const [name, m] of Object.entries(overlay.model)) {
    if (name in model)
      throw err(
        ['model', name],
        `model ${JSON.stringify(name)} is already in the simulation config’s registry`,
        'give the overlay’s model a new name (an overlay adds models, it does not change existing ones)',
      );
    model[name] = m;
  }
  const agents: ParsedSimulationConfig['simulation']['agents'] = { ...raw.simulation.agents };
  for (const [agent, gpus] of Object.entries(overlay.simulation.agents)) {
    const base = agents[agent];
    if (!base)
      throw err(
        ['simulation', 'agents', agent],
        `the simulation config has no agent ${JSON.stringify(agent)}`,
        `use one of ${Object.keys(agents).join(', ')}`,
      );
    const out = { ...base };
    for (const [gpuModel, block] of Object.entries(gpus)) {
      const baseBlock = base[gpuModel];
      if (!baseBlock)
        throw err(
          ['simulation', 'agents', agent, gpuModel],
          `the simulation config has no ${gpuModel} block for ${agent}`,
          `use one of ${Object.keys(base).join(', ')}`,
        );
      const mig = { ...baseBlock.mig };
      for (const [profile, entry] of Object.entries(block.mig)) {
        const path = ['simulation', 'agents', agent, gpuModel, 'mig', profile];
        if (!(profile in mig))
          throw err(
            path,
            `the simulation config has no ${profile} entry for ${agent} on ${gpuModel}, so there is nothing to replace`,
            `use one of ${Object.keys(mig).join(', ')}`,
          );
        if (!(entry.model in model))
          throw err(
            [...path, 'model'],
            `model ${JSON.stringify(entry.model)} is neither in the overlay’s model block nor in the simulation config’s registry`,
            `add model.${entry.model} (kv_per_token_KB, vllm_config) to the overlay or use one of ${Object.keys(model).join(', ')}`,
          );
        mig[profile] = entry;
      }
      out[gpuModel] = { ...baseBlock, mig };
    }
    agents[agent] = out;
  }
  return { ...raw, model, simulation: { ...raw.simulation, agents } };
}

/**
 * The files besides the config itself (and its overlay) whose content a resolved config carries, for cache keys:
 * the GPU model files of the GPU models in use, and the vLLM config files (max_num_batched_tokens, max_model_len)
 * of the models some engine serves. `opts` must be the options `cfg` was loaded with; files the loader did not
 * find (it then uses built-ins or the config's own values) are left out, as it left them. Sorted, absolute.
 */
export function simulationReferencedFiles(
  cfg: ResolvedSimulationConfig,
  opts: SimulationConfigOptions = {},
): string[] {
  const files = new Set<string>();
  const gpuDir = opts.gpuDir ?? findGpuDir(cfg.file);
  for (const model of new Set([cfg.gpuModel, PERMANENT_GPU_MODEL])) {
    const f = gpuDir === undefined ? undefined : join(gpuDir, `${model}.yaml`);
    if (!opts.gpuProfileSets?.[model] && f && existsSync(f)) files.add(resolvePath(f));
  }
  const rootDir = opts.rootDir ?? process.cwd();
  for (const byGpu of Object.values(cfg.engines))
    for (const byProfile of Object.values(byGpu ?? {}))
      for (const e of Object.values(byProfile)) {
        const model = cfg.models[e.model];
        const f = model && vllmConfigPath(model.vllmConfig, rootDir);
        if (f && existsSync(f)) files.add(resolvePath(f));
      }
  return [...files].sort();
}

/** Reads, validates and resolves `configs/simulation_config.yaml` (or another file of that shape). */
export function loadSimulationConfig(
  file: string,
  opts: SimulationConfigOptions = {},
): ResolvedSimulationConfig {
  const text = readConfigText(file, 'check the path; the default is configs/simulation_config.yaml');
  return parseSimulationConfig(file, text, opts);
}
