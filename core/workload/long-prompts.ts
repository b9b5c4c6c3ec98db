/**
 * A task's long prompts (`long_prompts` in configs/tasks/*.yaml): per agent that has a spec, a seeded share of its
 * dataset items get a prompt of a length drawn from the spec's range instead of their own, for every model of the
 * agent alike (the same text under one tokenizer family). Agents without a spec keep their tables untouched. Arrivals cycle through the items, so about that share of the requests
 * carry a long prompt. Which engines can hold such a request is the simulator's KV-capacity rule
 * (core/sim/kv-admission.ts), which a task with long prompts turns on.
 */
import { CPythonRandom } from '../random/index.js';
import type { TokenTable } from '../sim/index.js';

export interface LongPromptSpec {
  /** Fraction of each agent's items whose prompt is replaced, in [0, 1]. */
  readonly share: number;
  /** Prompt length of a long item, uniform in [min, max] tokens. */
  readonly promptTokens: readonly [number, number];
}

/** Seed of an agent's choice of long items: the task's seed mixed with the agent's name, so agents differ. */
function agentSeed(seed: number, agent: string): number {
  let h = seed >>> 0;
  for (let i = 0; i < agent.length; i++)
    h = (Math.imul(h ^ agent.charCodeAt(i), 0x01000193) >>> 0) ^ (h >>> 13);
  return h >>> 0;
}

/** The tables with the long prompts in place (tables are built once per (agent, model) and reused). */
export function withLongPrompts<A extends string>(
  tokens: (agent: A, model: string) => TokenTable,
  specs: Readonly<Partial<Record<A, LongPromptSpec>>>,
  seed: number,
): (agent: A, model: string) => TokenTable {
  const long = new Map<string, Int32Array>();
  const tables = new Map<string, TokenTable>();
  /** Per agent: the long prompt length of each item, 0 for an item that keeps its own. */
  const longOf = (agent: A, spec: LongPromptSpec, items: number): Int32Array => {
    let l = long.get(agent);
    if (l === undefined || l.length < items) {
      const rng = new CPythonRandom(agentSeed(seed, agent));
      const [min, max] = spec.promptTokens;
      l = new Int32Array(items);
      for (let i = 0; i < items; i++) {
        const pick = rng.random() < spec.share;
        const length = min + Math.floor(rng.random() * (max - min + 1));
        l[i] = pick ? length : 0;
      }
      long.set(agent, l);
    }
    return l;
  };
  return (agent, model) => {
    const spec = specs[agent];
    if (spec === undefined) return tokens(agent, model);
    const key = `${agent}/${model}`;
    const cached = tables.get(key);
    if (cached) return cached;
    const base = tokens(agent, model);
    const n = base.promptTokens.length;
    const l = longOf(agent, spec, n);
    const prompt = Int32Array.from({ length: n }, (_, i) => l[i] || base.promptTokens[i]!);
    const table = { promptTokens: prompt, completionTokens: base.completionTokens };
    tables.set(key, table);
    return table;
  };
}
