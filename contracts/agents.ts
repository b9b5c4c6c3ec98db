/**
 * The serving agents' names, in enum order (Coding, RAG, Chat): the order of per-agent seeds, action receivers and
 * table columns. One list for every schema that names an agent (workflow inputs and config files alike).
 */
import { z } from 'zod';

export const AGENT_NAMES = ['CodingAgent', 'RAGAgent', 'ChatAgent'] as const;
export type AgentName = (typeof AGENT_NAMES)[number];

export const AgentNameSchema = z.enum(AGENT_NAMES);
