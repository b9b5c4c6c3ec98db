/**
 * Energy beside the simulation (issue 17 item 3): a power model per (GPU model, MIG profile, utilisation) and an
 * observer that meters a run. A slice draws P(u) = idle + (max − idle)·u, with u = 1 while its engine has a request
 * admitted (prefilling or decoding) and 0 otherwise; a profile without its own figures gets the GPU's scaled by its
 * compute slices (size/7). The whole GPU's idle power is drawn for the whole run. An agent's energy is what its
 * engines drew above idle while busy (its marginal energy); the cluster's adds every GPU's idle power over the run.
 * EDP = energy × mean end-to-end latency (J·s). The meter only observes (SimHooks): draws and decisions are those
 * of a run without it.
 */
import type { SimEngine } from './entities/engine.js';
import type { SimRequest } from './entities/request.js';
import type { HardwareProfile } from './ports.js';
import type { SimHooks, Simulator } from './simulator.js';

export interface PowerFigures {
  readonly idleW: number;
  readonly maxW: number;
}

export interface GpuPowerModel extends PowerFigures {
  /** Per MIG profile name (e.g. `3g.20gb`): measured figures that replace the size/7 scaling. */
  readonly profiles?: Readonly<Record<string, PowerFigures>>;
}

/**
 * Public figures: A100 SXM4 40/80 GB TDP 400 W, B200 1000 W (NVIDIA data sheets); idle about 50 W and 140 W as
 * `nvidia-smi --query-gpu=power.draw` reports an idle A100 / B200. Used when the simulation config has no `power`.
 */
export const DEFAULT_GPU_POWER: Readonly<Record<string, GpuPowerModel>> = {
  A100_40GB: { idleW: 50, maxW: 400 },
  A100_80GB: { idleW: 55, maxW: 400 },
  B200: { idleW: 140, maxW: 1000 },
};

export function gpuPowerModel(
  models: Readonly<Record<string, GpuPowerModel>>,
  gpuModel: string,
): GpuPowerModel | undefined {
  return models[gpuModel] ?? DEFAULT_GPU_POWER[gpuModel];
}

/** A slice's idle and full-utilisation power. */
export function slicePower(gpu: GpuPowerModel, profile: HardwareProfile): PowerFigures {
  const own = gpu.profiles?.[profile.name];
  if (own) return own;
  const share = profile.size / 7;
  return { idleW: gpu.idleW * share, maxW: gpu.maxW * share };
}

export interface AgentEnergy {
  readonly agent: string;
  /** Seconds its engines had work, summed over engines. */
  readonly busyS: number;
  readonly energyJ: number;
  readonly meanLatencyS: number;
  readonly edpJs: number;
}

export interface EnergySummary {
  readonly durationS: number;
  /** Every GPU's idle power over the run. */
  readonly idleEnergyJ: number;
  readonly totalEnergyJ: number;
  readonly meanLatencyS: number;
  readonly edpJs: number;
  readonly agents: readonly AgentEnergy[];
  /** GPU models without power figures (their energy is left out). */
  readonly unmodelled: readonly string[];
}

/** Length of the union of intervals. */
function unionLength(intervals: [number, number][]): number {
  intervals.sort((a, b) => a[0] - b[0]);
  let total = 0;
  let start = Number.NEGATIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  for (const [s, e] of intervals) {
    if (s > end) {
      if (end > start) total += end - start;
      [start, end] = [s, e];
    } else if (e > end) end = e;
  }
  if (end > start) total += end - start;
  return total;
}

export class EnergyMeter implements SimHooks {
  private readonly busy = new Map<SimEngine, [number, number][]>();
  private readonly latency: { sum: number; n: number }[] = [];

  // Arrow property: the simulator calls its hooks unbound.
  readonly onRequestCompleted = (r: SimRequest, engine: SimEngine): void => {
    let list = this.busy.get(engine);
    if (!list) {
      list = [];
      this.busy.set(engine, list);
    }
    list.push([r.startTimeS, r.finishTimeS]);
    const l = this.latency[r.agent] ?? { sum: 0, n: 0 };
    l.sum += r.finishTimeS - r.arrivalTimeS;
    l.n++;
    this.latency[r.agent] = l;
  };

  summary(sim: Simulator, models: Readonly<Record<string, GpuPowerModel>>): EnergySummary {
    const durationS = sim.nowS;
    const unmodelled = new Set<string>();
    let idleEnergyJ = 0;
    for (const g of sim.cluster.gpus) {
      const m = gpuPowerModel(models, g.model);
      if (m) idleEnergyJ += m.idleW * durationS;
      else unmodelled.add(g.model);
    }
    const agents = sim.agents.map((a, i) => {
      let busyS = 0;
      let energyJ = 0;
      for (const [engine, intervals] of this.busy) {
        if (engine.owner !== i) continue;
        const b = unionLength(intervals);
        busyS += b;
        const m = gpuPowerModel(models, sim.cluster.gpus[engine.gpu]!.model);
        if (!m) continue;
        const p = slicePower(m, engine.profile);
        energyJ += b * (p.maxW - p.idleW);
      }
      const l = this.latency[i];
      const meanLatencyS = l && l.n > 0 ? l.sum / l.n : 0;
      return { agent: a.name, busyS, energyJ, meanLatencyS, edpJs: energyJ * meanLatencyS };
    });
    const totalEnergyJ = idleEnergyJ + agents.reduce((s, a) => s + a.energyJ, 0);
    const n = this.latency.reduce((s, l) => s + (l?.n ?? 0), 0);
    const meanLatencyS = n > 0 ? this.latency.reduce((s, l) => s + (l?.sum ?? 0), 0) / n : 0;
    return {
      durationS,
      idleEnergyJ,
      totalEnergyJ,
      meanLatencyS,
      edpJs: totalEnergyJ * meanLatencyS,
      agents,
      unmodelled: [...unmodelled],
    };
  }
}
