/**
 * `configs/deployment.yaml`: the real-hardware run — which GPUs migflow may reconfigure and who owns them
 * first, the emulated backup GPU, how vLLM containers are started, the dashboard, and the traffic replayed.
 * Safer than the reference by default: GPUs are listed (never "every MIG GPU found"), the dashboard and the
 * engines' ports bind to loopback unless remote access is asked for, and drains and runs have bounds.
 */
import { existsSync, readdirSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { type AgentName, BUILTIN_GPU_PROFILE_SETS } from '../mig/index.js';
import {
  AgentNameSchema,
  addConfigIssue,
  checkWorkloadsCoverAgents,
  GpuModelKey,
  MigProfileName,
  type ResolvedWorkloads,
  resolveWorkloads,
  ServiceRatesSchema,
  type ServiceRateTable,
  sortAgents,
  TtftCurvesSchema,
  type TtftCurveTable,
  WorkloadsSchema,
} from './bench.js';
import { loadYamlConfig } from './load.js';

/** Geometry state ids a GPU can be put in (see the mig module); others do not exist. */
export const GEOMETRY_STATE_IDS = [1, 2, 3, 4, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 19] as const;

/** Ports each registered GPU may need at once (the reference's pool: 7 slices × 2 for restarts). */
export const PORTS_PER_GPU = 14;

/** True for addresses that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  const bare = h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1' || bare === '0:0:0:0:0:0:0:1';
  return false;
}

const Port = z.number().int().min(1).max(65535);
const Seconds = z.number().positive();

const RealGpu = z.strictObject({
  index: z.number().int().nonnegative().describe('nvidia-smi index of the GPU (`-i`). Required.'),
  model: GpuModelKey.describe(
    'GPU model key; must match `configs/gpus/<model>.yaml` and the detected GPU. Required.',
  ),
  initial_owner: AgentNameSchema.describe(
    'Agent that owns every slice of this GPU at start, and the fallback owner of a slice whose owner is unset. Required.',
  ),
});

const PermanentEngine = z.strictObject({
  agent: AgentNameSchema.describe('Agent served by this emulated engine. Required.'),
  mig: MigProfileName.describe('MIG profile the engine behaves as (e.g. 2g.10gb). Required.'),
});

const SimulatedGpu = z.strictObject({
  index: z
    .number()
    .int()
    .nonnegative()
    .describe('GPU index the emulated GPU takes; must not be a real GPU. Required.'),
  model: GpuModelKey.describe('GPU model whose profile table the emulated engines use. Required.'),
  state_id: z
    .number()
    .int()
    .refine((v) => (GEOMETRY_STATE_IDS as readonly number[]).includes(v), {
      message: `expected a geometry state id (${GEOMETRY_STATE_IDS.join(', ')})`,
    })
    .describe('Geometry state the permanent engines are laid out in. Required.'),
  permanent_engines: z
    .array(PermanentEngine)
    .min(1)
    .describe(
      'Engines emulated in-process; they are never reconfigured, so every agent keeps capacity. Required.',
    ),
});

export const DeploymentConfigSchema = z
  .strictObject({
    seed: z
      .number()
      .int()
      .nonnegative()
      .default(77)
      .describe('Seed of the random initial layout and of the replayed requests. Default: 77.'),
    decision_interval_s: Seconds.default(120).describe(
      'Seconds between two policy decisions; an RL policy must be trained with the same action interval. Default: 120.',
    ),
    duration_s: Seconds.default(3600).describe(
      'Length of the run in seconds; must cover at least one decision interval. Default: 3600.',
    ),
    keep_previous_runs: z
      .number()
      .int()
      .nonnegative()
      .default(5)
      .describe(
        'Earlier runs kept under the output folder’s previous/ (each rerun with the same id and folder moves the last run there); the oldest beyond this are deleted. 0 keeps none. Default: 5.',
      ),
    gpus: z
      .array(RealGpu)
      .min(1)
      .describe('Physical MIG GPUs migflow may reconfigure; any other GPU is left alone. Required.'),
    simulated_gpus: z
      .array(SimulatedGpu)
      .default([])
      .describe('Emulated backup GPUs holding permanent engines. Default: [].'),
    obs_arrival_rate_divisor: z
      .partialRecord(AgentNameSchema, z.number().positive())
      .default({})
      .describe(
        'Divides each agent’s measured arrival rate before it enters the observation, mapping live load onto the training distribution. Missing agents use 1.0. Default: {}.',
      ),
    vllm: z
      .strictObject({
        image: z
          .string()
          .min(1)
          .default('vllm/vllm-openai:v0.17.0.custom')
          .describe(
            'Container image serving each slice (must exist locally). Default: vllm/vllm-openai:v0.17.0.custom.',
          ),
        models_dir: z
          .string()
          .min(1)
          .default('configs/models')
          .describe(
            'Directory of vLLM `--config` files, mounted read-only into each container. Default: configs/models.',
          ),
        cache_dir: z
          .string()
          .min(1)
          .default('~/.cache')
          .describe(
            'Host cache (Hugging Face weights, vLLM cache) mounted at /root/.cache. Default: ~/.cache.',
          ),
        container_prefix: z
          .string()
          .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, 'a Docker name prefix (letters, digits, _ . -)')
          .default('migflow-vllm')
          .describe(
            'Containers are named `<prefix>-<gpu>-<start slice>`, so stop targets exactly what start created. Default: migflow-vllm.',
          ),
        base_port: Port.default(8100).describe('First host port of the engines’ port pool. Default: 8100.'),
        bind_host: z
          .string()
          .min(1)
          .default('127.0.0.1')
          .describe('Host address the engines’ ports are published on. Default: 127.0.0.1.'),
        allow_remote: z
          .boolean()
          .default(false)
          .describe(
            'Must be true to publish engine ports on a non-loopback address (they have no API key). Default: false.',
          ),
        health_timeout_s: Seconds.default(600).describe(
          'Seconds a starting engine has to answer /health. Default: 600.',
        ),
        request_timeout_s: Seconds.default(300).describe(
          'Overall and inactivity timeout of one streamed request; also the end-of-run grace period. Default: 300.',
        ),
        drain_timeout_s: Seconds.default(300).describe(
          'Longest wait for an engine to finish its requests before it is stopped anyway. Default: 300.',
        ),
        stop_grace_s: z
          .number()
          .nonnegative()
          .default(10)
          .describe('Seconds Docker waits after SIGTERM before killing a container. Default: 10.'),
        shm_size_gb: z
          .number()
          .positive()
          .default(10)
          .describe('Shared memory per container in GiB. Default: 10.'),
        restart_delays_s: z
          .array(z.number().nonnegative())
          .min(1)
          .default([0, 10, 30, 60])
          .describe('Delays before each attempt to restart a dead engine. Default: [0, 10, 30, 60].'),
        log_tail_lines: z
          .number()
          .int()
          .positive()
          .default(200)
          .describe('Log lines kept from a failed engine (never followed). Default: 200.'),
      })
      .prefault({})
      .describe('vLLM engines, one container per MIG slice. Default: all defaults.'),
    nvidia_smi: z
      .strictObject({
        command: z
          .string()
          .min(1)
          .default('nvidia-smi')
          .describe('nvidia-smi executable. Default: nvidia-smi.'),
        sudo: z
          .boolean()
          .default(false)
          .describe('Prefix MIG commands with sudo (when migflow itself is not root). Default: false.'),
        destroy_attempts: z
          .number()
          .int()
          .positive()
          .default(3)
          .describe('Attempts to destroy a GPU instance that is still in use. Default: 3.'),
        destroy_retry_delay_s: z
          .number()
          .nonnegative()
          .default(5)
          .describe('Seconds between those attempts. Default: 5.'),
      })
      .prefault({})
      .describe('How MIG is driven. Default: all defaults.'),
    dashboard: z
      .strictObject({
        host: z
          .string()
          .min(1)
          .default('127.0.0.1')
          .describe('Address the dashboard listens on. Default: 127.0.0.1.'),
        port: Port.default(9000).describe('Dashboard port. Default: 9000.'),
        allow_remote: z
          .boolean()
          .default(false)
          .describe(
            'Must be true to listen on a non-loopback address (the dashboard has no authentication). Default: false.',
          ),
      })
      .prefault({})
      .describe('Live web dashboard. Default: all defaults.'),
    heuristic: z
      .strictObject({ service_rates: ServiceRatesSchema })
      .prefault({})
      .describe('Measured on-hardware service rates for the heuristic baseline. Default: {}.'),
    workloads: WorkloadsSchema,
    qas: z
      .strictObject({ profile_table: TtftCurvesSchema })
      .prefault({})
      .describe('Measured on-hardware TTFT curves for the QAS baseline. Default: {}.'),
  })
  .superRefine((cfg, ctx) => {
    const realIndex = new Map<number, number>();
    cfg.gpus.forEach((gpu, i) => {
      if (realIndex.has(gpu.index))
        addConfigIssue(ctx, ['gpus', i, 'index'], `GPU ${gpu.index} is listed twice`, 'list each GPU once');
      realIndex.set(gpu.index, i);
    });
    const simIndex = new Set<number>();
    cfg.simulated_gpus.forEach((gpu, i) => {
      if (realIndex.has(gpu.index) || simIndex.has(gpu.index))
        addConfigIssue(
          ctx,
          ['simulated_gpus', i, 'index'],
          `index ${gpu.index} is already taken by another GPU`,
          'give the emulated GPU an index no real or emulated GPU uses',
        );
      simIndex.add(gpu.index);
    });
    const agents = deploymentAgents(cfg);
    if (agents.length !== 2)
      addConfigIssue(
        ctx,
        ['gpus'],
        `the deployment involves ${agents.length} agent(s) (${agents.join(', ') || 'none'}); the live observation and policies support exactly two`,
        'give the GPUs and permanent engines exactly two distinct agents (e.g. CodingAgent and RAGAgent)',
      );
    const backed = new Set(cfg.simulated_gpus.flatMap((g) => g.permanent_engines.map((e) => e.agent)));
    cfg.gpus.forEach((gpu, i) => {
      if (!backed.has(gpu.initial_owner))
        addConfigIssue(
          ctx,
          ['gpus', i, 'initial_owner'],
          `${gpu.initial_owner} has no permanent engine, so a transfer could leave it with nothing to serve its requests`,
          `add {agent: ${gpu.initial_owner}, mig: <profile>} to a simulated_gpus entry's permanent_engines`,
        );
    });
    checkWorkloadsCoverAgents(ctx, cfg.workloads, agents, ['workloads']);
    if (cfg.duration_s < cfg.decision_interval_s)
      addConfigIssue(
        ctx,
        ['duration_s'],
        `duration_s ${cfg.duration_s} is shorter than decision_interval_s ${cfg.decision_interval_s}, so no decision would ever run`,
        `set duration_s to at least ${cfg.decision_interval_s}`,
      );
    if (!cfg.dashboard.allow_remote && !isLoopbackHost(cfg.dashboard.host))
      addConfigIssue(
        ctx,
        ['dashboard', 'host'],
        `${cfg.dashboard.host} is reachable from other machines and the dashboard has no authentication`,
        'use 127.0.0.1, or set dashboard.allow_remote: true if exposing it is intended',
      );
    if (!cfg.vllm.allow_remote && !isLoopbackHost(cfg.vllm.bind_host))
      addConfigIssue(
        ctx,
        ['vllm', 'bind_host'],
        `${cfg.vllm.bind_host} would publish unauthenticated engine ports to other machines`,
        'use 127.0.0.1, or set vllm.allow_remote: true if exposing them is intended',
      );
    const gpuCount = cfg.gpus.length + cfg.simulated_gpus.length;
    const lastPort = cfg.vllm.base_port + PORTS_PER_GPU * gpuCount - 1;
    if (lastPort > 65535)
      addConfigIssue(
        ctx,
        ['vllm', 'base_port'],
        `the port pool (${PORTS_PER_GPU} per GPU × ${gpuCount} GPUs) would end at ${lastPort}`,
        `set vllm.base_port to at most ${65536 - PORTS_PER_GPU * gpuCount}`,
      );
    const dash = cfg.dashboard.port;
    if (dash >= cfg.vllm.base_port && dash <= lastPort)
      addConfigIssue(
        ctx,
        ['dashboard', 'port'],
        `port ${dash} lies inside the engines' port pool ${cfg.vllm.base_port}–${lastPort}`,
        'move the dashboard or vllm.base_port',
      );
  });

export type DeploymentConfigYaml = z.output<typeof DeploymentConfigSchema>;

/** Distinct agents owning a real GPU or a permanent engine, in canonical order. */
function deploymentAgents(cfg: Pick<DeploymentConfigYaml, 'gpus' | 'simulated_gpus'>): AgentName[] {
  return sortAgents([
    ...cfg.gpus.map((g) => g.initial_owner),
    ...cfg.simulated_gpus.flatMap((g) => g.permanent_engines.map((e) => e.agent)),
  ]);
}

export interface ResolvedDeploymentConfig {
  file: string;
  seed: number;
  decisionIntervalS: number;
  durationS: number;
  /** Earlier runs kept under the output folder's `previous/` (core/deploy/run-folder.ts). */
  keepPreviousRuns: number;
  /** The two agents of the run, in canonical order. */
  agents: readonly AgentName[];
  gpus: readonly { index: number; model: string; initialOwner: AgentName }[];
  simulatedGpus: readonly {
    index: number;
    model: string;
    stateId: number;
    permanentEngines: readonly { agent: AgentName; mig: string }[];
  }[];
  /** 1.0 for agents not listed. */
  obsArrivalRateDivisor: Readonly<Record<AgentName, number>>;
  vllm: {
    image: string;
    modelsDir: string;
    cacheDir: string;
    containerPrefix: string;
    basePort: number;
    bindHost: string;
    healthTimeoutS: number;
    requestTimeoutS: number;
    drainTimeoutS: number;
    stopGraceS: number;
    shmSizeGb: number;
    restartDelaysS: readonly number[];
    logTailLines: number;
  };
  nvidiaSmi: { command: string; sudo: boolean; destroyAttempts: number; destroyRetryDelayS: number };
  dashboard: { host: string; port: number };
  serviceRatesPerS: ServiceRateTable;
  ttftCurves: TtftCurveTable;
  workloads: ResolvedWorkloads;
}

export function resolveDeploymentConfig(file: string, cfg: DeploymentConfigYaml): ResolvedDeploymentConfig {
  const agents = deploymentAgents(cfg);
  const divisor = { CodingAgent: 1, RAGAgent: 1, ChatAgent: 1, ...cfg.obs_arrival_rate_divisor };
  return {
    file,
    seed: cfg.seed,
    decisionIntervalS: cfg.decision_interval_s,
    durationS: cfg.duration_s,
    keepPreviousRuns: cfg.keep_previous_runs,
    agents,
    gpus: cfg.gpus.map((g) => ({ index: g.index, model: g.model, initialOwner: g.initial_owner })),
    simulatedGpus: cfg.simulated_gpus.map((g) => ({
      index: g.index,
      model: g.model,
      stateId: g.state_id,
      permanentEngines: g.permanent_engines,
    })),
    obsArrivalRateDivisor: divisor,
    vllm: {
      image: cfg.vllm.image,
      modelsDir: cfg.vllm.models_dir,
      cacheDir: cfg.vllm.cache_dir,
      containerPrefix: cfg.vllm.container_prefix,
      basePort: cfg.vllm.base_port,
      bindHost: cfg.vllm.bind_host,
      healthTimeoutS: cfg.vllm.health_timeout_s,
      requestTimeoutS: cfg.vllm.request_timeout_s,
      drainTimeoutS: cfg.vllm.drain_timeout_s,
      stopGraceS: cfg.vllm.stop_grace_s,
      shmSizeGb: cfg.vllm.shm_size_gb,
      restartDelaysS: cfg.vllm.restart_delays_s,
      logTailLines: cfg.vllm.log_tail_lines,
    },
    nvidiaSmi: {
      command: cfg.nvidia_smi.command,
      sudo: cfg.nvidia_smi.sudo,
      destroyAttempts: cfg.nvidia_smi.destroy_attempts,
      destroyRetryDelayS: cfg.nvidia_smi.destroy_retry_delay_s,
    },
    dashboard: { host: cfg.dashboard.host, port: cfg.dashboard.port },
    serviceRatesPerS: cfg.heuristic.service_rates,
    ttftCurves: cfg.qas.profile_table,
    workloads: resolveWorkloads(cfg.workloads, agents),
  };
}

/** Reads and validates `configs/deployment.yaml`. */
export function loadDeploymentConfig(file: string): ResolvedDeploymentConfig {
  const cfg = loadYamlConfig(file, DeploymentConfigSchema);
  checkGpuModels(file, cfg);
  return resolveDeploymentConfig(file, cfg);
}

/**
 * Every GPU model named must be one migflow knows the MIG profiles of (built in, or a `gpus/<model>.yaml` beside
 * the config), or the run would fail later on the GPU host with a less direct message.
 */
function checkGpuModels(file: string, cfg: DeploymentConfigYaml): void {
  const known = new Set(Object.keys(BUILTIN_GPU_PROFILE_SETS));
  for (let dir = dirname(resolvePath(file)), i = 0; i < 3; i++, dir = dirname(dir)) {
    const gpus = join(dir, 'gpus');
    if (existsSync(gpus))
      for (const f of readdirSync(gpus)) if (f.endsWith('.yaml')) known.add(f.slice(0, -5));
  }
  const check = (field: string, model: string) => {
    if (!known.has(model))
      throw new ConfigError(
        file,
        field,
        `unknown GPU model ${JSON.stringify(model)}`,
        `use one of ${[...known].sort().join(', ')} (or add configs/gpus/${model}.yaml)`,
      );
  };
  for (const [i, g] of cfg.gpus.entries()) check(`gpus[${i}].model`, g.model);
  for (const [i, g] of cfg.simulated_gpus.entries()) check(`simulated_gpus[${i}].model`, g.model);
}
