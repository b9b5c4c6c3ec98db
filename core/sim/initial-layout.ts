/**
 * The engines a reset starts from (spec §1.5): the permanent 2G engines on the last GPU, then per managed
 * GPU a layout owned by its initial agent — a uniform random valid state (`random`, training), one 7G
 * (`no_mig`) or the longest valid state (`split_extreme`) — then unused padding engines that complete the
 * permanent GPU to a valid state. Draw order follows the reference (one choice per pick, even of one).
 */
import type { ResolvedSimulationConfig } from '../config/index.js';
import { ConfigError } from '../errors.js';
import { type AgentName, type LogicalProfile, profileIdx, type StateId, stateLayout } from '../mig/index.js';
import type { InitialEngineSpec } from './ports.js';

export type InitialLayoutMode = 'random' | 'no_mig' | 'split_extreme';

/** `choiceIndex(n)` is CPython's `random.choice` index: `_randbelow(n)`. */
export interface ChoiceRng {
  choiceIndex(n: number): number;
}

interface Pending {
  gpu: number;
  logical: LogicalProfile;
  agent: AgentName;
  permanent: boolean;
  unused: boolean;
}

export function initialLayout(
  cfg: ResolvedSimulationConfig,
  mode: InitialLayoutMode,
  rng: ChoiceRng,
): InitialEngineSpec[] {
  const pick = <T>(items: readonly T[]): T => items[rng.choiceIndex(items.length)]!;
  const configured = (agent: AgentName, gpu: number, logical: LogicalProfile): boolean => {
    const g = cfg.cluster[gpu]!;
    const hw = g.profileSet.profiles.find((p) => p.logical === logical);
    return hw !== undefined && cfg.engines[agent]?.[g.gpuModel]?.[hw.name] !== undefined;
  };
  const out: Pending[] = cfg.permanentEngines.map((p) => ({
    gpu: p.gpu,
    logical: p.profile.logical,
    agent: p.agent,
    permanent: true,
    unused: false,
  }));
  const occupied = new Set(out.map((e) => e.gpu));
  for (const g of cfg.cluster) {
    if (!g.managed || occupied.has(g.gpu)) continue;
    let layout: readonly LogicalProfile[];
    if (mode === 'no_mig') layout = ['7G'];
    else if (mode === 'split_extreme') layout = stateLayout(longest(g.validStates));
    else layout = stateLayout(pick(g.validStates));
    for (const logical of layout) {
      const candidates = g.initialAgents.filter((a) => configured(a, g.gpu, logical));
      if (candidates.length === 0) continue;
      out.push({ gpu: g.gpu, logical, agent: pick(candidates), permanent: false, unused: false });
    }
  }
  padPartialGpus(cfg, out, mode, pick, configured);
  const enumIndex = (a: AgentName) => cfg.agentsEnumOrder.indexOf(a);
  return out.map((e) => ({
    gpu: e.gpu,
    logicalProfile: profileIdx(e.logical),
    agent: enumIndex(e.agent),
    permanent: e.permanent,
    unused: e.unused,
  }));
}

function longest(states: readonly StateId[]): StateId {
  let best = states[0]!;
  for (const s of states) if (stateLayout(s).length > stateLayout(best).length) best = s;
  return best;
}

function shortest(states: readonly StateId[]): StateId {
  let best = states[0]!;
  for (const s of states) if (stateLayout(s).length < stateLayout(best).length) best = s;
  return best;
}

function countOf(xs: readonly LogicalProfile[], p: LogicalProfile): number {
  return xs.filter((x) => x === p).length;
}

/** Completes GPUs whose engines are only part of a valid state with permanent, unused engines. */
function padPartialGpus(
  cfg: ResolvedSimulationConfig,
  engines: Pending[],
  mode: InitialLayoutMode,
  pick: <T>(items: readonly T[]) => T,
  configured: (agent: AgentName, gpu: number, logical: LogicalProfile) => boolean,
): void {
  const gpus = [...new Set(engines.map((e) => e.gpu))];
  for (const gpu of gpus) {
    const have = engines.filter((e) => e.gpu === gpu).map((e) => e.logical);
    const g = cfg.cluster[gpu]!;
    const sameMultiset = (s: StateId) => {
      const l = stateLayout(s);
      return l.length === have.length && have.every((p) => countOf(l, p) === countOf(have, p));
    };
    if (g.validStates.some(sameMultiset)) continue;
    const supersets = g.validStates.filter((s) =>
      have.every((p) => countOf(have, p) <= countOf(stateLayout(s), p)),
    );
    if (supersets.length === 0) {
      throw new ConfigError(
        cfg.file,
        'simulation.agents',
        `the permanent engines on GPU ${gpu} (${have.join(', ')}) are part of no valid ${g.gpuModel} MIG state`,
        'configure permanent engines that fit one MIG geometry of that GPU',
      );
    }
    const chosen =
      mode === 'no_mig'
        ? shortest(supersets)
        : mode === 'split_extreme'
          ? longest(supersets)
          : pick(supersets);
    const missing = [...stateLayout(chosen)];
    for (const p of have) missing.splice(missing.indexOf(p), 1);
    const owners = g.initialAgents.length > 0 ? g.initialAgents : cfg.agentsYamlOrder;
    for (const logical of missing) {
      const candidates = owners.filter((a) => configured(a, gpu, logical));
      if (candidates.length === 0) {
        throw new ConfigError(
          cfg.file,
          `simulation.agents.*.${g.gpuModel}.mig`,
          `no agent configures the ${logical} profile needed to pad GPU ${gpu}`,
          `add that profile for at least one agent under ${g.gpuModel}`,
        );
      }
      engines.push({ gpu, logical, agent: pick(candidates), permanent: true, unused: true });
    }
  }
}
