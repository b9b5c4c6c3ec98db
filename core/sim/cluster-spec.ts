/**
 * Builds the simulator's view of the cluster from a resolved `simulation_config.yaml`: agents in enum
 * order (with the RAG search delay), GPUs with their hardware profiles, engine parameters per
 * (agent, GPU, profile) and the token tables the caller loaded from the generated JSONLs.
 */
import { engineProfileConfig, type ResolvedSimulationConfig } from '../config/index.js';
import { type AgentName, AgentName as Agents } from '../mig/index.js';
import { hardwareProfilesByIdx, logicalOfIdx, MIG_GEOMETRY_STATES } from './mig-adapter.js';
import type { EngineProfileParams, SimClusterSpec, TokenTable } from './ports.js';

export function clusterSpecFromConfig(
  cfg: ResolvedSimulationConfig,
  tokens: (agent: AgentName, model: string) => TokenTable,
): SimClusterSpec {
  const agents = cfg.agentsEnumOrder.map((name) =>
    name === Agents.Rag
      ? { name, ragSearch: { minS: cfg.ragSearchOverheadS.min, maxS: cfg.ragSearchOverheadS.max } }
      : { name },
  );
  const gpus = cfg.cluster.map((g) => ({
    model: g.gpuModel,
    managed: g.managed,
    profiles: hardwareProfilesByIdx(g.profileSet),
  }));
  const cache = new Map<string, EngineProfileParams>();
  return {
    agents,
    gpus,
    states: MIG_GEOMETRY_STATES,
    engineParams(agent: number, gpu: number, logical: number): EngineProfileParams {
      const key = `${agent}/${gpu}/${logical}`;
      const hit = cache.get(key);
      if (hit !== undefined) return hit;
      const g = cfg.cluster[gpu]!;
      const hw = g.profileSet.profiles.find((p) => p.logical === logicalOfIdx(logical));
      const e = engineProfileConfig(
        cfg,
        cfg.agentsEnumOrder[agent]!,
        g.gpuModel,
        hw?.name ?? logicalOfIdx(logical),
      );
      const params: EngineProfileParams = {
        model: e.model,
        maxBatchedTokens: e.maxBatchedTokens,
        kvCapacityTokens: e.kvCapacityTokens,
        ...(e.maxModelLen !== undefined ? { maxModelLen: e.maxModelLen } : {}),
        restartTimeS: e.restartTimeS,
        prefill: e.prefill,
        tpot: e.tpot,
      };
      cache.set(key, params);
      return params;
    },
    tokenTable(agent: number, model: string): TokenTable {
      return tokens(cfg.agentsEnumOrder[agent]!, model);
    },
  };
}
