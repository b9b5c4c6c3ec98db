/** A task's long prompts: a seeded share of each agent's items, the same for every model of the agent. */
import { describe, expect, it } from 'vitest';
import { syntheticTokenTables, withLongPrompts } from '../../../core/workload/index.js';

const one = { share: 0.05, promptTokens: [40_000, 64_000] as const };
const spec = { CodingAgent: one, RAGAgent: one };

describe('long prompts', () => {
  const base = syntheticTokenTables(77);
  const tables = withLongPrompts(base, spec, 77);

  it('replaces about the share of the prompts with lengths in the range, completions kept', () => {
    const t = tables('CodingAgent', 'qwen2.5-coder-14b-instruct');
    const b = base('CodingAgent', 'qwen2.5-coder-14b-instruct');
    const long = Array.from(t.promptTokens).filter((p, i) => p !== b.promptTokens[i]);
    expect(long.length).toBeGreaterThan(0.03 * t.promptTokens.length);
    expect(long.length).toBeLessThan(0.07 * t.promptTokens.length);
    for (const p of long) {
      expect(p).toBeGreaterThanOrEqual(40_000);
      expect(p).toBeLessThanOrEqual(64_000);
    }
    expect(t.completionTokens).toBe(b.completionTokens);
  });

  it('is the same for every model of an agent, differs between agents, and is seeded', () => {
    const a = tables('CodingAgent', 'qwen2.5-coder-14b-instruct').promptTokens;
    expect(tables('CodingAgent', 'qwen2.5-coder-3b-instruct').promptTokens).toEqual(a);
    expect(tables('RAGAgent', 'qwen2.5-3b-instruct').promptTokens).not.toEqual(a);
    expect(withLongPrompts(base, spec, 77)('CodingAgent', 'x').promptTokens).toEqual(a);
    expect(withLongPrompts(base, spec, 78)('CodingAgent', 'x').promptTokens).not.toEqual(a);
  });

  it('per agent: only the agents with a spec change, and theirs as in the all-agents form', () => {
    const ragOnly = withLongPrompts(base, { RAGAgent: one }, 77);
    expect(ragOnly('CodingAgent', 'qwen2.5-coder-14b-instruct')).toBe(
      base('CodingAgent', 'qwen2.5-coder-14b-instruct'),
    );
    expect(Array.from(ragOnly('RAGAgent', 'qwen2.5-3b-instruct').promptTokens)).toEqual(
      Array.from(tables('RAGAgent', 'qwen2.5-3b-instruct').promptTokens),
    );
  });

  it('share 0 changes nothing', () => {
    const none = withLongPrompts(base, { RAGAgent: { share: 0, promptTokens: [40_000, 64_000] } }, 77);
    expect(Array.from(none('RAGAgent', 'm').promptTokens)).toEqual(
      Array.from(base('RAGAgent', 'm').promptTokens),
    );
  });
});
