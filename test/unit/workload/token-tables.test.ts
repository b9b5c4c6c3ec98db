import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ResolvedSimulationConfig } from '../../../core/config/simulation.js';
import { loadTokenTables } from '../../../core/workload/token-tables.js';
import { configErrorOf as thrown } from '../../helpers/config-error.js';
import { sim2 } from '../rl/setup.js';

type Rows = readonly (readonly [id: string | number, prompt: number, completion: number])[];

/** sim2 with every generate_path pointing at a file written from `rowsFor(agent, model)`. */
function withGenerated(rowsFor: (agent: string, model: string) => Rows | string): ResolvedSimulationConfig {
  const dir = mkdtempSync(join(tmpdir(), 'migflow-tokens-'));
  const engines: Record<string, Record<string, Record<string, unknown>>> = {};
  for (const [agent, byGpu] of Object.entries(sim2.engines)) {
    engines[agent] = {};
    for (const [gpu, byProfile] of Object.entries(byGpu ?? {})) {
      engines[agent]![gpu] = {};
      for (const [profile, e] of Object.entries(byProfile ?? {})) {
        const path = join(dir, `${agent}-${e.model}.jsonl`);
        const rows = rowsFor(agent, e.model);
        writeFileSync(
          path,
          typeof rows === 'string'
            ? rows
            : rows
                .map(([id, p, c]) => JSON.stringify({ id, prompt_tokens: p, completion_tokens: c }))
                .join('\n'),
        );
        engines[agent]![gpu]![profile] = { ...e, generatePath: path };
      }
    }
  }
  return { ...sim2, engines } as unknown as ResolvedSimulationConfig;
}

const coding = 'CodingAgent';
const firstModel = (agent: string) =>
  Object.values(sim2.engines[agent as 'CodingAgent']![sim2.gpuModel]!)[0]!.model;
const otherModel = (agent: string) =>
  Object.values(sim2.engines[agent as 'CodingAgent']!.A100_40GB!).find((e) => e.model !== firstModel(agent))!
    .model;

describe('token tables from the generated JSONLs (spec §2.2)', () => {
  it("indexes every model by the first model's id order, keeps zero-token rows, and gives per-model lengths", () => {
    const cfg = withGenerated((_a, model) =>
      model === firstModel(coding)
        ? [
            ['b', 10, 5],
            ['a', 0, 0],
            ['c', 30, 7],
          ]
        : [
            ['c', 31, 8],
            ['a', 0, 0],
            ['b', 11, 6],
          ],
    );
    const tokens = loadTokenTables(cfg);
    const first = tokens(coding, firstModel(coding));
    expect(Array.from(first.promptTokens)).toEqual([10, 0, 30]);
    expect(Array.from(first.completionTokens)).toEqual([5, 0, 7]);
    const other = tokens(coding, otherModel(coding));
    expect(Array.from(other.promptTokens)).toEqual([11, 0, 31]);
    expect(Array.from(other.completionTokens)).toEqual([6, 0, 8]);
  });

  it('reads a repeated id as a dict does: first position, last values', () => {
    const cfg = withGenerated(() => [
      [1, 10, 1],
      [2, 20, 2],
      [1, 15, 3],
    ]);
    const t = loadTokenTables(cfg)(coding, firstModel(coding));
    expect(Array.from(t.promptTokens)).toEqual([15, 20]);
    expect(Array.from(t.completionTokens)).toEqual([3, 2]);
  });

  it.each([
    ['lacks an id the first model has', [['a', 1, 1]] as Rows, /lacks id b, which .* has/],
    [
      'has an id the first model lacks',
      [
        ['a', 1, 1],
        ['b', 1, 1],
        ['z', 1, 1],
      ] as Rows,
      /has id z, which .* lacks/,
    ],
  ])('rejects a model whose file %s, naming the generate_path entry', (_what, otherRows, message) => {
    const cfg = withGenerated((agent, model) =>
      agent === coding && model === otherModel(coding)
        ? otherRows
        : [
            ['a', 1, 1],
            ['b', 1, 1],
          ],
    );
    const err = thrown(() => loadTokenTables(cfg));
    expect(err.field).toMatch(/^simulation\.agents\.CodingAgent\.A100_40GB\.mig\..+\.generate_path$/);
    expect(err.message).toMatch(message);
    expect(err.fix).toMatch(/same ids/);
  });

  it('names the file and line of a malformed row', () => {
    const cfg = withGenerated(
      () => '{"id": 1, "prompt_tokens": 3, "completion_tokens": 4}\n{"id": 2, "prompt_tokens": -1}\n',
    );
    const err = thrown(() => loadTokenTables(cfg));
    expect(err.message).toMatch(/line 2 lacks id or whole prompt_tokens\/completion_tokens/);
  });
});
