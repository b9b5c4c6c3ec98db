/**
 * Token lengths per (agent, model) for the simulator: from the generated JSONLs that the profiling stage writes
 * (`generate_path` in simulation_config.yaml), or seeded synthetic lengths for rehearsals without profiling data.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { ResolvedSimulationConfig } from '../config/index.js';
import { ConfigError } from '../errors.js';
import type { AgentName } from '../mig/index.js';
import { CPythonRandom } from '../random/index.js';
import type { TokenTable } from '../sim/index.js';

/** Every generated token file the config points at (what a cache key over token lengths must hash). */
export function tokenTableFiles(cfg: ResolvedSimulationConfig): string[] {
  const files = new Set<string>();
  for (const agent of cfg.agentsEnumOrder) {
    for (const g of [cfg.gpuModel, 'A100_40GB']) {
      for (const e of Object.values(cfg.engines[agent]?.[g] ?? {})) files.add(e.generatePath);
    }
  }
  return [...files].sort();
}

/** One generated JSONL as the reference reads it: a dict id → (prompt, completion), so a repeated id keeps its first
 * position and its last values. Rows of failed generations (0 and 0 tokens) are valid requests and kept. */
function readGenerated(
  cfg: ResolvedSimulationConfig,
  field: string,
  path: string,
): Map<string, readonly [number, number]> {
  const byId = new Map<string, readonly [number, number]>();
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (!line.trim()) return;
      let row: { id?: unknown; prompt_tokens?: unknown; completion_tokens?: unknown };
      try {
        row = JSON.parse(line) as typeof row;
      } catch {
        throw new ConfigError(cfg.file, field, `${path} line ${i + 1} is not JSON`, 'regenerate the file');
      }
      const p = row.prompt_tokens;
      const c = row.completion_tokens;
      if (
        (typeof row.id !== 'string' && typeof row.id !== 'number') ||
        !Number.isInteger(p) ||
        !Number.isInteger(c) ||
        (p as number) < 0 ||
        (c as number) < 0
      ) {
        throw new ConfigError(
          cfg.file,
          field,
          `${path} line ${i + 1} lacks id or whole prompt_tokens/completion_tokens ≥ 0`,
          'regenerate the file (each line: {"id", "prompt_tokens", "completion_tokens"})',
        );
      }
      byId.set(String(row.id), [p as number, c as number]);
    });
  return byId;
}

/**
 * Token tables from the generated JSONLs, per (agent, model): the first MIG entry with that pair, in GPU order
 * (managed model, then the permanent A100) and YAML order, gives the file. The first model's id order is the
 * agent's canonical item order; every model of an agent must cover exactly the same id set (spec §2.2).
 */
export function loadTokenTables(
  cfg: ResolvedSimulationConfig,
): (agent: AgentName, model: string) => TokenTable {
  const tables = new Map<string, TokenTable>();
  for (const agent of cfg.agentsEnumOrder) {
    let ids: string[] | undefined;
    let idsFrom = '';
    for (const g of [cfg.gpuModel, 'A100_40GB']) {
      for (const [profile, e] of Object.entries(cfg.engines[agent]?.[g] ?? {})) {
        const key = `${agent}/${e.model}`;
        if (tables.has(key)) continue;
        const field = `simulation.agents.${agent}.${g}.mig.${profile}.generate_path`;
        if (!existsSync(e.generatePath)) {
          throw new ConfigError(
            cfg.file,
            field,
            `${e.generatePath} does not exist`,
            'run the profiling stage (generate) first, or pass --synthetic-tokens to use seeded synthetic lengths',
          );
        }
        const byId = readGenerated(cfg, field, e.generatePath);
        if (!ids) {
          ids = [...byId.keys()];
          idsFrom = e.generatePath;
        }
        const missing = ids.find((id) => !byId.has(id));
        const extra =
          byId.size !== ids.length ? [...byId.keys()].find((id) => !ids!.includes(id)) : undefined;
        if (missing !== undefined || extra !== undefined) {
          throw new ConfigError(
            cfg.file,
            field,
            missing !== undefined
              ? `${e.generatePath} lacks id ${missing}, which ${idsFrom} has`
              : `${e.generatePath} has id ${extra}, which ${idsFrom} lacks`,
            `regenerate it so every model of ${agent} covers the same ids`,
          );
        }
        const prompt = new Int32Array(ids.length);
        const completion = new Int32Array(ids.length);
        ids.forEach((id, i) => {
          const [p, c] = byId.get(id)!;
          prompt[i] = p;
          completion[i] = c;
        });
        tables.set(key, { promptTokens: prompt, completionTokens: completion });
      }
    }
  }
  return (agent, model) => {
    const t = tables.get(`${agent}/${model}`);
    if (!t)
      throw new ConfigError(
        cfg.file,
        `simulation.agents.${agent}`,
        `no generated token file for model ${model}`,
        'add a generate_path for it',
      );
    return t;
  };
}

/** Seeded synthetic lengths (prompt 100..4000, completion 20..800), the same for every model of an agent. */
export function syntheticTokenTables(
  seed: number,
  items = 2000,
): (agent: AgentName, model: string) => TokenTable {
  const rng = new CPythonRandom(seed);
  const prompt = Int32Array.from({ length: items }, () => 100 + Math.floor(rng.random() * 3900));
  const completion = Int32Array.from({ length: items }, () => 20 + Math.floor(rng.random() * 780));
  const table = { promptTokens: prompt, completionTokens: completion };
  return () => table;
}
