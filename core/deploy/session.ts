/**
 * Everything one deployment needs on the GPU host, built from its (JSON) input: the resolved configs, the policy,
 * the MIG controller over the listed GPUs, the engines, the permanent engines, the prompts and the run's whole
 * request plan. Built once per worker process and deployment, so every window of a run on that worker shares it.
 */
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import Docker from 'dockerode';
import {
  EMULATED_GPU_ACTIVITY_MOUNT,
  emulatedGpuActivityDir,
  emulatedGpuActivityEnv,
} from '../../contracts/index.js';
import {
  loadBenchConfig,
  loadDeploymentConfig,
  loadSimulationConfig,
  loadTrainingConfig,
  type ResolvedBenchConfig,
  type ResolvedDeploymentConfig,
  type ResolvedSimulationConfig,
  type ResolvedTrainingConfig,
} from '../config/index.js';
import { EngineContainers } from '../engines/index.js';
import { ConfigError } from '../errors.js';
import type { AgentName } from '../mig/index.js';
import { stateLayout } from '../mig/index.js';
import { PROJECT_ROOT } from '../paths.js';
import { readPowerDrawWithReason } from '../profiling/index.js';
import { gpuPowerModel } from '../sim/index.js';
import type { BoardReading, MeteredGpu } from './deploy-energy.js';
import {
  checkDeployPolicyFits,
  DEPLOY_POLICY_NAMES,
  type DeployPolicy,
  resolveDeployPolicy,
} from './deploy-policy.js';
import { type DeployState, newAgentCollector } from './deploy-state.js';
import { MigController } from './mig-controller.js';
import { NvidiaSmi } from './nvidia-smi.js';
import { loadPrompts } from './prompts.js';
import { planWorkload, type WorkloadPlan } from './publisher.js';
import { type PermanentGpu, profilesOf } from './reconcile.js';
import { SlotEngines } from './slot-engines.js';

export const EMULATED_NVIDIA_SMI = join(PROJECT_ROOT, 'emulators', 'nvidia-smi', 'bin', 'nvidia-smi');
export const EMULATOR_IMAGE = 'migflow/vllm-emulator:local';

export interface DeploySessionInput {
  deploymentId: string;
  policy: string;
  deploymentConfig: string;
  simulationConfig: string;
  trainingConfig: string;
  benchConfig: string;
  /** Overrides deployment.yaml's duration_s / decision_interval_s. */
  durationS?: number;
  decisionIntervalS?: number;
  /** Emulated hardware: the nvidia-smi emulator and vLLM-emulator containers without device requests. */
  emulate: boolean;
  /** State file of the nvidia-smi emulator (emulate only). */
  nvidiaSmiState?: string;
  /** Engine image (default: deployment.yaml's vllm.image, or the emulator image when emulating). */
  engineImage?: string;
  /** Image of the permanent backup engines (default: the vLLM emulator). */
  permanentImage?: string;
  /** Environment for every engine / per slot key (emulator settings and injected faults). */
  engineEnv?: Record<string, string>;
  slotEnv?: Record<string, Record<string, string>>;
  /** Prompt files per agent (default: the bundled samples). */
  prompts?: Partial<Record<AgentName, string>>;
  /** Rehearsal overrides of deployment.yaml's engine timings, in seconds. */
  healthTimeoutS?: number;
  drainTimeoutS?: number;
  requestTimeoutS?: number;
  restartDelaysS?: number[];
  /** Dashboard port override (0 = any free port); `dashboard: false` serves none. */
  dashboardPort?: number;
  dashboard?: boolean;
  /** Where the run's files go (default artifacts/deploy/<deployment id>). */
  outDir: string;
}

export interface DeploySession {
  input: DeploySessionInput;
  deploy: ResolvedDeploymentConfig;
  simulation: ResolvedSimulationConfig;
  training: ResolvedTrainingConfig;
  bench: ResolvedBenchConfig;
  policy: DeployPolicy;
  mig: MigController;
  engines: SlotEngines;
  permanent: PermanentGpu[];
  prompts: Map<AgentName, string[]>;
  plan: WorkloadPlan;
  windows: number;
  decisionIntervalS: number;
  /** The managed boards whose power.draw the windows read, with their idle power by the power model. */
  power: { gpus: MeteredGpu[]; read: (gpu: number) => Promise<BoardReading> };
}

const DEFAULT_PROMPTS: Readonly<Record<string, string>> = {
  CodingAgent: 'datasets/samples/coder.jsonl',
  RAGAgent: 'datasets/samples/rag.parquet',
  ChatAgent: 'datasets/samples/chat.json',
};

const sessions = new Map<string, Promise<DeploySession>>();

/** The session of `input.deploymentId` in this process (built on first use). */
export function deploySession(input: DeploySessionInput, root = PROJECT_ROOT): Promise<DeploySession> {
  const key = `${input.deploymentId}\n${JSON.stringify(input)}`;
  let s = sessions.get(key);
  if (!s) {
    s = buildSession(input, root);
    s.catch(() => sessions.delete(key));
    sessions.set(key, s);
  }
  return s;
}

const abs = (root: string, p: string) => (isAbsolute(p) ? p : resolve(root, p));

async function buildSession(input: DeploySessionInput, root: string): Promise<DeploySession> {
  const deploy = loadDeploymentConfig(abs(root, input.deploymentConfig));
  const simulation = loadSimulationConfig(abs(root, input.simulationConfig));
  const training = loadTrainingConfig(abs(root, input.trainingConfig));
  const bench = loadBenchConfig(abs(root, input.benchConfig));
  const policy = resolveDeployPolicy(
    (DEPLOY_POLICY_NAMES as readonly string[]).includes(input.policy)
      ? input.policy
      : abs(root, input.policy),
    training,
  );
  const decisionIntervalS = input.decisionIntervalS ?? deploy.decisionIntervalS;
  const durationS = input.durationS ?? deploy.durationS;
  if (durationS < decisionIntervalS)
    throw new ConfigError(
      '--duration',
      String(durationS),
      `shorter than the decision interval (${decisionIntervalS} s), so the policy would never decide`,
      `use at least ${decisionIntervalS} s`,
    );
  if (deploy.gpus.length !== simulation.managedGpus.length)
    throw new ConfigError(
      deploy.file,
      'gpus',
      `${deploy.gpus.length} GPUs listed but the policy's simulation config manages ${simulation.managedGpus.length}`,
      'list as many GPUs as the simulation config has agents',
    );
  checkDeployPolicyFits(policy, deploy.agents.length, training.arrivalRateHistoryLength);
  const smiEnv =
    input.emulate && input.nvidiaSmiState
      ? { ...(process.env as Record<string, string>), MIGFLOW_NVIDIA_SMI_STATE: input.nvidiaSmiState }
      : undefined;
  const smi = new NvidiaSmi({
    binary: input.emulate ? EMULATED_NVIDIA_SMI : deploy.nvidiaSmi.command,
    sudo: !input.emulate && deploy.nvidiaSmi.sudo,
    ...(smiEnv ? { env: smiEnv } : {}),
  });
  // Emulated engines report their load to the emulated GPUs (the nvidia-smi emulator's power.draw reads it).
  const activityDir = smiEnv ? emulatedGpuActivityDir(input.nvidiaSmiState!) : undefined;
  if (activityDir) mkdirSync(activityDir, { recursive: true });
  const power = {
    gpus: deploy.gpus.map((g) => ({
      index: g.index,
      idleW: gpuPowerModel(simulation.power ?? {}, g.model)?.idleW ?? 0,
    })),
    read: async (gpu: number): Promise<BoardReading> => {
      const r = await readPowerDrawWithReason(gpu, {
        binary: input.emulate ? EMULATED_NVIDIA_SMI : deploy.nvidiaSmi.command,
        ...(smiEnv ? { env: smiEnv } : {}),
      });
      return r.watts ?? { reason: r.reason };
    },
  };
  const mig = new MigController(
    smi,
    deploy.gpus.map((g) => ({ index: g.index, profiles: profilesOf(g.model) })),
  );
  const docker = new Docker();
  const v = deploy.vllm;
  const engines = new SlotEngines(docker, new EngineContainers(docker), {
    deploymentId: input.deploymentId,
    image: input.engineImage ?? (input.emulate ? EMULATOR_IMAGE : v.image),
    permanentImage: input.permanentImage ?? EMULATOR_IMAGE,
    modelsDir: abs(root, v.modelsDir),
    ...(input.emulate ? {} : { cacheDir: v.cacheDir.replace(/^~(?=$|\/)/, homedir()) }),
    basePort: v.basePort,
    host: v.bindHost,
    healthTimeoutMs: (input.healthTimeoutS ?? v.healthTimeoutS) * 1000,
    drainTimeoutMs: (input.drainTimeoutS ?? v.drainTimeoutS) * 1000,
    stopGraceS: v.stopGraceS,
    shmSizeBytes: input.emulate ? 64 * 1024 * 1024 : v.shmSizeGb * 1024 ** 3,
    requestGpu: !input.emulate,
    extraEnv: { ...(input.engineEnv ?? {}), ...(activityDir ? emulatedGpuActivityEnv() : {}) },
    slotEnv: input.slotEnv ?? {},
    ...(activityDir
      ? { mounts: [{ hostPath: activityDir, containerPath: EMULATED_GPU_ACTIVITY_MOUNT }] }
      : {}),
  });
  const deployTimed: ResolvedDeploymentConfig = {
    ...deploy,
    vllm: {
      ...v,
      ...(input.requestTimeoutS !== undefined ? { requestTimeoutS: input.requestTimeoutS } : {}),
      ...(input.restartDelaysS !== undefined ? { restartDelaysS: input.restartDelaysS } : {}),
    },
  };
  const permanent: PermanentGpu[] = deploy.simulatedGpus.map((g) => ({
    index: g.index,
    model: g.model,
    stateId: g.stateId,
    permanentEngines: g.permanentEngines,
  }));
  const prompts = new Map<AgentName, string[]>();
  for (const agent of deploy.agents) {
    const file = input.prompts?.[agent] ?? DEFAULT_PROMPTS[agent];
    if (!file) throw new ConfigError('prompts', agent, 'no prompt file', 'pass prompts.<agent>: <file>');
    prompts.set(agent, await loadPrompts(abs(root, file)));
  }
  const windows = Math.max(1, Math.floor(durationS / decisionIntervalS));
  const plan = planWorkload({
    seed: deploy.seed,
    workloads: deploy.workloads,
    bench,
    agents: deploy.agents,
    promptCounts: deploy.agents.map((a) => prompts.get(a)!.length),
    decisionIntervalS,
    windows,
  });
  return {
    input,
    deploy: deployTimed,
    simulation,
    training,
    bench,
    policy,
    mig,
    engines,
    permanent,
    prompts,
    plan,
    windows,
    decisionIntervalS,
    power,
  };
}

/** The state a run starts from: the policy's initial layout, every slot owned by its GPU's initial owner. */
export function initialDeployState(s: DeploySession): DeployState {
  const states = s.policy.initialStates(
    s.deploy.gpus.map((g) => g.model),
    s.deploy.seed,
  );
  const agents: DeployState['agents'] = {};
  for (const a of s.deploy.agents) agents[a] = newAgentCollector();
  return {
    deploymentId: s.input.deploymentId,
    policy: s.input.policy,
    window: 0,
    windows: s.windows,
    desired: s.deploy.gpus.map((g, position) => ({
      gpu: g.index,
      position,
      model: g.model,
      stateId: states[position]!,
      owners: stateLayout(states[position]!).map(() => g.initialOwner),
    })),
    budgetS: s.training.budgetS,
    lastActionCostS: 0,
    budgetRefilledAtS: 0,
    agents,
    actions: [],
    faults: [],
  };
}

/** Removes every container of the deployment and every MIG instance on its GPUs (nothing else). */
export async function teardownDeployment(s: DeploySession): Promise<{ containers: string[] }> {
  const containers = await s.engines.removeAll();
  await s.mig.clear();
  return { containers };
}

/**
 * `migflow deploy clean`: removes the containers labelled with the deployment id and every MIG instance on the
 * GPUs deployment.yaml lists — without needing the run's workflow, e.g. after a host crash.
 */
export async function cleanDeployment(o: {
  deploymentId: string;
  deploymentConfig: string;
  emulate: boolean;
  nvidiaSmiState?: string;
}): Promise<{ containers: string[]; gpus: number[] }> {
  const deploy = loadDeploymentConfig(abs(PROJECT_ROOT, o.deploymentConfig));
  const smi = new NvidiaSmi({
    binary: o.emulate ? EMULATED_NVIDIA_SMI : deploy.nvidiaSmi.command,
    sudo: !o.emulate && deploy.nvidiaSmi.sudo,
    ...(o.emulate && o.nvidiaSmiState
      ? { env: { ...(process.env as Record<string, string>), MIGFLOW_NVIDIA_SMI_STATE: o.nvidiaSmiState } }
      : {}),
  });
  const mig = new MigController(
    smi,
    deploy.gpus.map((g) => ({ index: g.index, profiles: profilesOf(g.model) })),
  );
  const containers = await new EngineContainers(new Docker()).removeOwner(o.deploymentId);
  await mig.clear();
  return { containers, gpus: deploy.gpus.map((g) => g.index) };
}
