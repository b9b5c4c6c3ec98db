/**
 * Token lengths per (agent, model) for the simulator: from the generated JSONLs that the profiling stage writes
 * (`generate_path` in simulation_config.yaml), or seeded synthetic lengths for rehearsals without profiling data.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { ResolvedSimulationConfig } from '../../config/simulation.js';
import { ConfigError } from '../../errors.js';
import type { AgentName } from '../../mig/index.js';
import type { TokenTable } from '../../sim/index.js';
import { seededEnvRng } from './env-rng.js';

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

/** Token tables from the generated JSONLs: per agent, the first configured model's id order is canonical. */
export function loadTokenTables(
  cfg: ResolvedSimulationConfig,
): (agent: AgentName, model: string) => TokenTable {
  const tables = new Map<string, TokenTable>();
  for (const agent of cfg.agentsEnumOrder) {
    let ids: string[] | undefined;
    for (const g of [cfg.gpuModel, 'A100_40GB']) {
      for (const [profile, e] of Object.entries(cfg.engines[agent]?.[g] ?? {})) {
        const key = `${agent}/${e.model}`;
        if (tables.has(key)) continue;
        if (!existsSync(e.generatePath)) {
          throw new ConfigError(
            cfg.file,
            `simulation.agents.${agent}.${g}.mig.${profile}.generate_path`,
            `${e.generatePath} does not exist`,
            'run the profiling stage (generate) first, or pass --synthetic-tokens to use seeded synthetic lengths',
          );
        }
        const rows = readFileSync(e.generatePath, 'utf8')
          .split('\n')
          .filter((l) => l.trim())
          .map(
            (l) => JSON.parse(l) as { id: string | number; prompt_tokens: number; completion_tokens: number },
          );
        const byId = new Map(rows.map((r) => [String(r.id), r]));
        ids ??= rows.map((r) => String(r.id));
        const order = ids;
        const prompt = new Int32Array(order.length);
        const completion = new Int32Array(order.length);
        order.forEach((id, i) => {
          const r = byId.get(id);
          if (!r) {
            throw new ConfigError(
              cfg.file,
              `simulation.agents.${agent}.${g}.mig.${profile}.generate_path`,
              `${e.generatePath} lacks id ${id}`,
              `regenerate it so every model of ${agent} covers the same ids`,
            );
          }
          prompt[i] = r.prompt_tokens;
          completion[i] = r.completion_tokens;
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
  const rng = seededEnvRng(seed);
  const prompt = Int32Array.from({ length: items }, () => 100 + Math.floor(rng.random() * 3900));
  const completion = Int32Array.from({ length: items }, () => 20 + Math.floor(rng.random() * 780));
  const table = { promptTokens: prompt, completionTokens: completion };
  return () => table;
}
