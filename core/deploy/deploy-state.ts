/**
 * The deployment's desired state, as plain JSON the DeployWorkflow carries between decision windows: per real GPU
 * the geometry state and the owner of each slot, the budget, the collector's interval history, the action log and,
 * for a policy trained with them (or idle_merge, which decides on their idle part), the observation clocks.
 * A worker that starts a window reconciles hardware and containers with this — so whatever a dead worker left
 * half-done, the next one converges on the same layout. Pure functions only (no I/O).
 */
import type { ObservationClockState } from '../control/index.js';
import type { AgentName, GpuProfileSet, LogicalProfile, StateId } from '../mig/index.js';
import {
  BUILTIN_GPU_PROFILE_SETS,
  hardwareProfileOf,
  sliceLayout,
  stateLayout,
  transitionBetween,
} from '../mig/index.js';

export interface DesiredGpu {
  /** nvidia-smi index. */
  gpu: number;
  /** Position in deployment.yaml's `gpus` (the policy's GPU number). */
  position: number;
  model: string;
  stateId: StateId;
  /** Owner of each slot, in slot (start-slice) order. */
  owners: AgentName[];
}

export interface SlotPlan {
  gpu: number;
  position: number;
  start: number;
  logical: LogicalProfile;
  hardware: string;
  sizeSlices: number;
  vramGb: number;
  agent: AgentName;
  permanent: boolean;
  /** Container slot key: `gpu<g>-s<start>` (real) or `sim<g>-s<start>` (permanent engine). */
  key: string;
}

export interface ActionRecord {
  /** Decision number (0 = the decision at the end of the first window). */
  decision: number;
  atS: number;
  kind: 'split' | 'merge' | 'transfer';
  name: string;
  gpu: number;
  fromState: StateId;
  toState: StateId;
  /** Slot positions in the old / new layout. */
  sources: number[];
  targets: number[];
  receiver?: AgentName;
  /** Agent whose slots are reconfigured (owner of the first source). */
  agent: AgentName;
  costS: number;
  details: string;
  status: 'pending' | 'done' | 'failed';
  error?: string;
  /** Seconds the reconfiguration took on the hardware. */
  tookS?: number;
  /** Set when a new worker finished it by reconciliation after the first one died. */
  reconciled?: boolean;
}

export interface FaultRecord {
  atS: number;
  window: number;
  kind: 'reconfiguration' | 'engine-start' | 'engine-died' | 'reconcile';
  slot?: string;
  message: string;
  /** What was done about it. */
  handling: string;
}

/** Per agent: what the observation needs from past intervals. */
export interface AgentCollectorState {
  /** Raw arrival rates (req/s), newest first. */
  arrivalHistory: number[];
  /** Per profile slot (7): mean queue of the last interval and the one before. */
  queue: number[];
  prevQueue: number[];
  running: number[];
  kv: number[];
  /** [TTFT s, TPOT s, profile slot] of the last completed requests, newest first. */
  latencies: [number, number, number][];
  /** TPOT seconds of the last completed requests. */
  tpots: number[];
  avgResponseTokens: number;
  responseCount: number;
  /** Intervals since the last split, merge, give, receive (capped by nothing; the observation caps). */
  stepsSince: [number, number, number, number];
  /** VRAM GB of the last give and receive. */
  giveAmountGb: number;
  receiveAmountGb: number;
  /** Intervals since this agent last gave to each receiver. */
  giveTo: Partial<Record<AgentName, number>>;
  counts: { split: number; merge: number; transfer: number };
}

export interface DeployState {
  deploymentId: string;
  policy: string;
  /** Decision windows finished so far (across continue-as-new). */
  window: number;
  /** Wall-clock seconds the finished windows took (windows stretch when a reconfiguration outlasts one). */
  elapsedS?: number;
  windows: number;
  desired: DesiredGpu[];
  /** The layout before the pending action, to fall back to when it fails. */
  previous?: DesiredGpu[];
  /** Index in `actions` of the action to carry out at the start of the next window. */
  pendingIndex?: number;
  budgetS: number;
  lastActionCostS: number;
  /** Seconds of run time when the budget was last refilled. */
  budgetRefilledAtS: number;
  agents: Partial<Record<AgentName, AgentCollectorState>>;
  actions: ActionRecord[];
  faults: FaultRecord[];
  stopRequested?: boolean;
  /** When the last window took its last power reading (epoch ms): the next window meters from there on. */
  powerReadAtMs?: number;
  /**
   * The observation clocks after the last decision, for a checkpoint trained with them (`training.time_features`)
   * and for idle_merge (its idle clock is theirs): the window whose decision saved them and their state (a few numbers, in run-time seconds). Absent otherwise.
   */
  clocks?: DeployClocks;
}

/** The observation clocks a deployment carries from one decision to the next (deploy-observation.ts). */
export interface DeployClocks {
  window: number;
  state: ObservationClockState;
}

export const HISTORY_LENGTH = 5;
export const LATENCY_BUFFER = 100;
export const INITIAL_STEPS_SINCE = 10;
export const DEFAULT_RESPONSE_TOKENS = 256;

export function newAgentCollector(): AgentCollectorState {
  return {
    arrivalHistory: new Array(HISTORY_LENGTH).fill(0),
    queue: new Array(7).fill(0),
    prevQueue: new Array(7).fill(0),
    running: new Array(7).fill(0),
    kv: new Array(7).fill(0),
    latencies: [],
    tpots: [],
    avgResponseTokens: DEFAULT_RESPONSE_TOKENS,
    responseCount: 0,
    stepsSince: [INITIAL_STEPS_SINCE, INITIAL_STEPS_SINCE, INITIAL_STEPS_SINCE, INITIAL_STEPS_SINCE],
    giveAmountGb: 0,
    receiveAmountGb: 0,
    giveTo: {},
    counts: { split: 0, merge: 0, transfer: 0 },
  };
}

/** Slot plans of a real GPU in slot order. */
export function gpuSlots(d: DesiredGpu, profiles: GpuProfileSet): SlotPlan[] {
  const layout = stateLayout(d.stateId);
  const slices = sliceLayout(d.stateId);
  return layout.map((logical, i) => {
    const hw = hardwareProfileOf(profiles, logical);
    const start = slices[i]![0]!;
    return {
      gpu: d.gpu,
      position: d.position,
      start,
      logical,
      hardware: hw.name,
      sizeSlices: hw.sizeSlices,
      vramGb: hw.vramGb,
      agent: d.owners[i]!,
      permanent: false,
      key: `gpu${d.gpu}-s${start}`,
    };
  });
}

/** Profile names as the reference's history prints them (`MIG_7G`). */
function migName(l: LogicalProfile): string {
  return `MIG_${l}`;
}

/**
 * Applies a split, merge or transfer to the desired layout. Slots outside the transition keep their owners;
 * new slots of a split/merge go to the agent that owned the sources; a transfer hands one slot to the receiver.
 */
export function applyAction(desired: readonly DesiredGpu[], a: ActionRecord): DesiredGpu[] {
  return desired.map((d) => {
    if (d.gpu !== a.gpu) return { ...d, owners: [...d.owners] };
    if (a.kind === 'transfer') {
      const owners = [...d.owners];
      owners[a.sources[0]!] = a.receiver!;
      return { ...d, owners };
    }
    const t = transitionBetween(d.stateId, a.toState);
    if (!t) throw new Error(`GPU ${d.gpu}: no transition ${d.stateId} → ${a.toState}`);
    const oldStarts = sliceLayout(d.stateId).map((s) => s[0]!);
    const newStarts = sliceLayout(a.toState).map((s) => s[0]!);
    const ownerAt = new Map(oldStarts.map((s, i) => [s, d.owners[i]!]));
    const targets = new Set(t.targetIndices);
    const owners = newStarts.map((s, i) => (targets.has(i) ? a.agent : (ownerAt.get(s) ?? a.agent)));
    return { ...d, stateId: a.toState, owners };
  });
}

/** The reference's history text: `GPU g | Src: MIG_7G -> Tgt: MIG_4G, MIG_3G[ | Receiver: RAG]`. */
export function actionDetails(
  gpu: number,
  from: StateId,
  to: StateId,
  sources: readonly number[],
  targets: readonly number[],
  receiver?: AgentName,
): string {
  const src = sources.map((i) => migName(stateLayout(from)[i]!)).join(', ');
  const tgt = targets.map((i) => migName(stateLayout(to)[i]!)).join(', ');
  return `GPU ${gpu} | Src: ${src} -> Tgt: ${tgt}${receiver ? ` | Receiver: ${receiver === 'CodingAgent' ? 'CODING' : receiver === 'RAGAgent' ? 'RAG' : 'CHAT'}` : ''}`;
}

/** Updates the counters and action history of the agents involved (spec §3.8 steps 4–5). */
export function recordActionHistory(state: DeployState, a: ActionRecord): void {
  const giver = state.agents[a.agent];
  if (!giver) return;
  if (a.kind === 'split') {
    giver.counts.split++;
    giver.stepsSince[0] = 0;
  } else if (a.kind === 'merge') {
    giver.counts.merge++;
    giver.stepsSince[1] = 0;
  } else if (a.receiver) {
    giver.counts.transfer++;
    const d = state.desired.find((g) => g.gpu === a.gpu);
    const logical = stateLayout(a.fromState)[a.sources[0]!]!;
    const vram = d ? vramOf(d.model, logical) : 0;
    giver.stepsSince[2] = 0;
    giver.giveAmountGb = vram;
    giver.giveTo[a.receiver] = 0;
    const recv = state.agents[a.receiver];
    if (recv) {
      recv.stepsSince[3] = 0;
      recv.receiveAmountGb = vram;
    }
  }
}

function vramOf(model: string, logical: LogicalProfile): number {
  const set = BUILTIN_GPU_PROFILE_SETS[model];
  return set ? hardwareProfileOf(set, logical).vramGb : 0;
}
