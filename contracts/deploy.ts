/**
 * The deploy stage's contract: DeployWorkflow's input (zod, safe in the workflow sandbox), what its activities
 * return, its status and result. Paths are relative to the project root on the GPU host. Nothing secret goes here:
 * engines take no API key and Hugging Face tokens stay in the host's cache directory.
 */
import { z } from 'zod';
import { AgentNameSchema } from './agents.js';
import { nonEmptyString, positiveInt } from './fields.js';
import { MAX_DEPLOY_DURATION_S, overLimit } from './limits.js';

export const DeployInput = z.strictObject({
  deploymentId: z
    .string()
    .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/, 'letters, digits, _ . - (it names containers)')
    .describe('names and labels every container of the run'),
  policy: nonEmptyString().describe(
    'heuristic | qas | linucb | idle_merge | static-7g | static-2g | path of an RL checkpoint',
  ),
  deploymentConfig: z.string().default('configs/deployment.yaml'),
  simulationConfig: z.string().default('configs/simulation_config.yaml'),
  trainingConfig: z.string().default('configs/training_config.yaml'),
  benchConfig: z.string().default('configs/bench_config.yaml'),
  durationS: z
    .number()
    .positive()
    .max(MAX_DEPLOY_DURATION_S, overLimit(MAX_DEPLOY_DURATION_S, 'seconds', 'MAX_DEPLOY_DURATION_S'))
    .optional()
    .describe("overrides deployment.yaml's duration_s"),
  decisionIntervalS: z
    .number()
    .positive()
    .optional()
    .describe("overrides deployment.yaml's decision_interval_s"),
  emulate: z
    .boolean()
    .default(false)
    .describe('emulated GPUs (nvidia-smi emulator, vLLM emulator containers)'),
  nvidiaSmiState: z.string().optional().describe('state file of the nvidia-smi emulator'),
  engineImage: z.string().optional(),
  permanentImage: z.string().optional(),
  engineEnv: z.record(z.string(), z.string()).optional(),
  slotEnv: z.record(z.string(), z.record(z.string(), z.string())).optional(),
  prompts: z.partialRecord(AgentNameSchema, z.string()).optional(),
  healthTimeoutS: z.number().positive().optional(),
  drainTimeoutS: z.number().positive().optional(),
  requestTimeoutS: z.number().positive().optional(),
  restartDelaysS: z.array(z.number().nonnegative()).min(1).optional(),
  dashboard: z.boolean().default(true),
  dashboardPort: z.number().int().nonnegative().max(65535).optional(),
  outDir: z.string().optional().describe('default artifacts/deploy/<deploymentId>'),
  taskQueue: z.string().optional().describe("the GPU host's task queue (default migflow-gpu-<first GPU>)"),
  firstGpu: z.number().int().nonnegative().default(0),
  windowsPerRun: positiveInt()
    .default(25)
    .describe('decision windows per workflow run before continue-as-new'),
  heartbeatTimeoutS: z.number().positive().default(20),
});
export type DeployInput = z.input<typeof DeployInput>;
export type ResolvedDeployInput = z.output<typeof DeployInput>;

/**
 * What the deploy loop is doing, as the dashboard's `phaseKind` says it (its `phase` says it in words): starting,
 * reconciling (hardware and engines to the desired layout), reconfiguring (applying a decision), serving (the
 * window's arrivals being sent), finishing (every arrival sent, waiting for the requests in flight).
 */
export type DeployPhase = 'starting' | 'reconciling' | 'reconfiguring' | 'serving' | 'finishing';

/** What each window activity returns to the workflow (besides the carried state). */
export interface DeployWindowSummary {
  window: number;
  completed: number;
  failed: number;
  cancelled: number;
  action?: string;
  reconfiguration?: 'done' | 'failed';
  faults: number;
}

export interface DeployStatus {
  deploymentId: string;
  policy: string;
  window: number;
  windows: number;
  stopping: boolean;
  budgetS: number;
  desired: { gpu: number; stateId: number; owners: string[] }[];
  actions: { decision: number; kind: string; details: string; status: string }[];
  faults: number;
  requests: { completed: number; failed: number; cancelled: number };
  dashboardUrl?: string;
}

/** One metered stretch of a deployment: the set-up before the first window, a decision window, the teardown. */
export interface DeployEnergyPhase {
  phase: 'set-up' | 'window' | 'teardown';
  window?: number;
  /** False when it was cut short (the deployment was stopped or failed in it); `endedBy` says how. */
  complete: boolean;
  endedBy?: string;
  /** The reading it books from and its last reading (epoch ms): one phase's `toMs` is the next one's `fromMs`. */
  fromMs?: number;
  toMs?: number;
  meteredS: number;
  /** What the managed boards drew in it (J). */
  energyJ: number;
  samples: number;
  unavailableSamples: number;
}

/**
 * Energy of a live deployment, from nvidia-smi power.draw sampled from its set-up to the end of its teardown: per
 * agent the energy its slices drew above the boards' idle power (the simulator's marginal energy) and EDP = energy ×
 * mean end-to-end latency. `measured` is false where every reading was `[N/A]` (then `note` says so and the figures
 * are 0); `partial` is true where a phase was cut short, missing or did not join the next one (`notes` say which).
 */
export interface DeployEnergy {
  measured: boolean;
  partial: boolean;
  note: string;
  notes: string[];
  samples: number;
  unavailableSamples: number;
  /** Seconds of the deployment the readings cover: set-up + every window + teardown (Σ `phases[].meteredS`). */
  meteredS: number;
  /** Everything the managed boards drew (J, Σ `phases[].energyJ`), and the idle part of it by the power model. */
  boardEnergyJ: number;
  /** In the order they happened; consecutive phases share their boundary reading, booked once. */
  phases: DeployEnergyPhase[];
  /** Above-idle energy of boards that held no agent's slice (the teardown's, once engines are gone). */
  unattributedJ: number;
  /** What each managed board drew over the run. */
  gpus: { gpu: number; energyJ: number; energyWh: number }[];
  idleEnergyJ: number;
  meanLatencyS: number;
  edpJs: number;
  agents: { agent: string; energyJ: number; energyWh: number; meanLatencyS: number; edpJs: number }[];
}

export interface DeployResult {
  deploymentId: string;
  windows: number;
  requests: { planned: number; completed: number; failed: number; cancelled: number };
  actions: { kind: string; details: string; status: string }[];
  faults: number;
  reportFiles: string[];
  removedContainers: string[];
  energy?: DeployEnergy;
}

/**
 * What DeployWorkflow reads of the deployment state it carries between windows. The state itself (core/deploy's
 * DeployState: desired layout, budget, collector history, action log) is plain JSON the workflow hands back to the
 * next window untouched; `Activities` is generic over it, so the workflow never needs core's types.
 */
export interface DeployStateView {
  window: number;
  windows: number;
  budgetS: number;
  desired: readonly { gpu: number; stateId: number; owners: readonly string[] }[];
  actions: readonly { decision: number; kind: string; details: string; status: string }[];
  faults: readonly unknown[];
}

export interface DeployStartResult<S extends DeployStateView = DeployStateView> {
  state: S;
  planned: number;
  outDir: string;
}

export interface DeployWindowArgs<S extends DeployStateView = DeployStateView> {
  input: DeployInput;
  state: S;
}

export interface DeployWindowResult<S extends DeployStateView = DeployStateView> {
  state: S;
  summary: DeployWindowSummary;
  dashboardUrl?: string;
}

export interface DeployReportArgs<S extends DeployStateView = DeployStateView> {
  input: DeployInput;
  state: S;
  planned: number;
}

export interface DeployReportResult {
  files: string[];
  requests: { planned: number; completed: number; failed: number; cancelled: number };
  energy?: DeployEnergy;
}
