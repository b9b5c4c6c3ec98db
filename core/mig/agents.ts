/**
 * The serving agents. Three orders of agents exist in the reference and each is used in a different place:
 * enum order (Coding, RAG[, Chat]) for action receivers and workload generation, name order (sorted by string:
 * Chat, Coding, RAG) for the observation's per-agent blocks, and the YAML order of the config for GPU assignment.
 */
import { AGENT_NAMES } from '../../contracts/index.js';
import { MigflowError } from '../errors.js';

export const AgentName = { Coding: 'CodingAgent', Rag: 'RAGAgent', Chat: 'ChatAgent' } as const;
export type AgentName = (typeof AgentName)[keyof typeof AgentName];

const ENUM_ORDER: readonly AgentName[] = AGENT_NAMES;

/** Agent counts the action space and observation are defined for. */
export const SUPPORTED_AGENT_COUNTS: readonly number[] = [2, 3];

export function isAgentName(s: unknown): s is AgentName {
  return typeof s === 'string' && (ENUM_ORDER as readonly string[]).includes(s);
}

/** The agent set for `count` agents in enum order: 2 → (Coding, RAG), 3 → (Coding, RAG, Chat). */
export function agentsInEnumOrder(count: number): readonly AgentName[] {
  if (!SUPPORTED_AGENT_COUNTS.includes(count)) {
    throw new MigflowError(`${count} active agents is not supported: the action space is defined for 2 or 3`);
  }
  return ENUM_ORDER.slice(0, count);
}

/** Agents sorted by their string value (Chat, Coding, RAG): the observation's per-agent block order. */
export function agentsInNameOrder(agents: readonly AgentName[]): AgentName[] {
  return [...agents].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
