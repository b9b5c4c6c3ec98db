/**
 * The discrete action space of the resource manager for N agents on N managed GPUs:
 * index 0 is NO_ACTION; then, per GPU, one action per geometry state ("reconfigure GPU g to state S");
 * then, per GPU, per logical profile, per receiver (enum order), one pure transfer.
 * 2 agents → 55 actions, 3 agents → 100.
 */
import { type AgentName, agentsInEnumOrder } from './agents.js';
import { LOGICAL_PROFILES, type LogicalProfile } from './profiles.js';
import { STATE_COUNT, STATE_IDS, type StateId, stateLabel } from './states.js';

export const ActionKind = { None: 'none', State: 'state', Transfer: 'transfer' } as const;
export type ActionKind = (typeof ActionKind)[keyof typeof ActionKind];

/** A decoded action index. */
export type DecodedAction =
  | { readonly kind: 'none'; readonly index: 0 }
  | { readonly kind: 'state'; readonly index: number; readonly gpu: number; readonly targetState: StateId }
  | {
      readonly kind: 'transfer';
      readonly index: number;
      readonly gpu: number;
      readonly profile: LogicalProfile;
      readonly receiver: AgentName;
    };

/** The index of NO_ACTION. */
export const NO_ACTION = 0;

/** Size of the action space for `agentCount` agents (managed GPUs = agents). */
export function actionCount(agentCount: number): number {
  agentsInEnumOrder(agentCount);
  return 1 + STATE_COUNT * agentCount + LOGICAL_PROFILES.length * agentCount * agentCount;
}

/** Index of "reconfigure GPU `gpu` to state `state`". */
export function stateActionIndex(agentCount: number, gpu: number, state: StateId): number {
  checkGpu(agentCount, gpu);
  return 1 + STATE_COUNT * gpu + STATE_IDS.indexOf(state);
}

/** Index of "give the `profile` instance of GPU `gpu` to `receiver`". */
export function transferActionIndex(
  agentCount: number,
  gpu: number,
  profile: LogicalProfile,
  receiver: AgentName,
): number {
  checkGpu(agentCount, gpu);
  const agents = agentsInEnumOrder(agentCount);
  const r = agents.indexOf(receiver);
  if (r < 0) throw new RangeError(`${receiver} is not one of the ${agentCount} active agents`);
  const p = LOGICAL_PROFILES.indexOf(profile);
  return 1 + STATE_COUNT * agentCount + LOGICAL_PROFILES.length * agentCount * gpu + agentCount * p + r;
}

/** Decodes an action index; throws RangeError outside 0..actionCount−1. */
export function decodeAction(agentCount: number, index: number): DecodedAction {
  const n = actionCount(agentCount);
  if (!Number.isInteger(index) || index < 0 || index >= n) {
    throw new RangeError(`action ${index} is outside 0..${n - 1} for ${agentCount} agents`);
  }
  if (index === 0) return { kind: 'none', index: 0 };
  const stateEnd = 1 + STATE_COUNT * agentCount;
  if (index < stateEnd) {
    const k = index - 1;
    return {
      kind: 'state',
      index,
      gpu: Math.floor(k / STATE_COUNT),
      targetState: STATE_IDS[k % STATE_COUNT]!,
    };
  }
  const k = index - stateEnd;
  const perGpu = LOGICAL_PROFILES.length * agentCount;
  const within = k % perGpu;
  return {
    kind: 'transfer',
    index,
    gpu: Math.floor(k / perGpu),
    profile: LOGICAL_PROFILES[Math.floor(within / agentCount)]!,
    receiver: agentsInEnumOrder(agentCount)[within % agentCount]!,
  };
}

const RECEIVER_LABEL: Readonly<Record<AgentName, string>> = {
  CodingAgent: 'CODING',
  RAGAgent: 'RAG',
  ChatAgent: 'CHAT',
};

/** The reference's action name, e.g. `GPU_1_PROFILE_2_4G_3G` or `TRANSFER_GPU_2_1S_TO_CHAT`. */
export function actionName(agentCount: number, index: number): string {
  const a = decodeAction(agentCount, index);
  switch (a.kind) {
    case 'none':
      return 'NO_ACTION';
    case 'state':
      return `GPU_${a.gpu}_PROFILE_${a.targetState}_${stateLabel(a.targetState)}`;
    case 'transfer':
      return `TRANSFER_GPU_${a.gpu}_${a.profile}_TO_${RECEIVER_LABEL[a.receiver]}`;
  }
}

function checkGpu(agentCount: number, gpu: number): void {
  agentsInEnumOrder(agentCount);
  if (!Number.isInteger(gpu) || gpu < 0 || gpu >= agentCount) {
    throw new RangeError(`managed GPU ${gpu} is outside 0..${agentCount - 1}`);
  }
}
