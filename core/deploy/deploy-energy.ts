/**
 * Energy of a live deployment (issue 17 item 3): every POWER_SAMPLE_S the window reads each managed GPU's
 * `nvidia-smi --query-gpu=power.draw` (core/profiling's reader: execa, argv array; Node has no NVML binding that
 * installs offline). Between two readings a board is taken to draw the later one. What it draws above its idle power
 * (the simulation config's power model — measured by profiling where profiling ran, the documented default
 * otherwise) is split among the agents whose engines on it have requests in flight, by compute slices: an agent's
 * energy is its marginal energy, as the simulator's EnergyMeter counts it. EDP = energy × mean end-to-end latency
 * (arrival to last token) of the agent's completed requests. A `[N/A]` reading counts as unavailable, never as 0 W.
 */
import type { DeployEnergy } from '../../contracts/index.js';
import type { LiveSlot } from './live-cluster.js';
import type { RequestRecord } from './publisher.js';

/** How often a window reads power (an nvidia-smi call costs a process start). */
export const POWER_SAMPLE_S = 2;

/** One window's energy, kept in its window file. */
export interface WindowEnergy {
  samples: number;
  unavailableSamples: number;
  boardJ: number;
  idleJ: number;
  /** Above-idle energy per agent; `unattributed` when no engine on the board had work (boot, drain). */
  agentJ: Record<string, number>;
}

export interface MeteredGpu {
  index: number;
  /** Idle power of the whole board by the power model, W. */
  idleW: number;
}

function computeSlices(hardware: string): number {
  return Number(/^(\d+)g\./.exec(hardware)?.[1] ?? 1);
}

export class DeployPowerMeter {
  private readonly energy: WindowEnergy = {
    samples: 0,
    unavailableSamples: 0,
    boardJ: 0,
    idleJ: 0,
    agentJ: {},
  };
  private lastMs: number | undefined;

  constructor(
    private readonly gpus: readonly MeteredGpu[],
    private readonly read: (gpu: number) => Promise<number | null>,
  ) {}

  /** Reads every board once and books the time since the previous reading at these powers. */
  async sample(slots: readonly LiveSlot[], nowMs: number = Date.now()): Promise<void> {
    const readings = await Promise.all(this.gpus.map((g) => this.read(g.index).catch(() => null)));
    const dtS = this.lastMs === undefined ? 0 : (nowMs - this.lastMs) / 1000;
    this.lastMs = nowMs;
    this.gpus.forEach((g, i) => {
      const w = readings[i];
      this.energy.samples++;
      if (w === null || w === undefined) {
        this.energy.unavailableSamples++;
        return;
      }
      this.energy.boardJ += w * dtS;
      this.energy.idleJ += g.idleW * dtS;
      const above = Math.max(0, w - g.idleW) * dtS;
      const busy = slots.filter((s) => s.plan.gpu === g.index && !s.plan.permanent && s.inFlight > 0);
      const weight = busy.reduce((sum, s) => sum + computeSlices(s.plan.hardware), 0);
      const book = (agent: string, j: number) => {
        this.energy.agentJ[agent] = (this.energy.agentJ[agent] ?? 0) + j;
      };
      if (weight === 0) book('unattributed', above);
      else for (const s of busy) book(s.plan.agent, (above * computeSlices(s.plan.hardware)) / weight);
    });
  }

  summary(): WindowEnergy {
    return structuredClone(this.energy);
  }
}

/** The run's energy from its windows' energy and requests. */
export function deployEnergy(
  agents: readonly string[],
  windows: readonly { energy?: WindowEnergy; requests: readonly RequestRecord[] }[],
): DeployEnergy {
  const sum = (f: (e: WindowEnergy) => number) =>
    windows.reduce((s, w) => s + (w.energy ? f(w.energy) : 0), 0);
  const samples = sum((e) => e.samples);
  const unavailableSamples = sum((e) => e.unavailableSamples);
  const measured = samples > unavailableSamples;
  const latency = (rs: readonly RequestRecord[]) => {
    const done = rs.filter((r) => r.status === 'completed');
    return done.length ? done.reduce((s, r) => s + (r.sentS - r.arrivalS) + r.e2eS, 0) / done.length : 0;
  };
  const records = windows.flatMap((w) => w.requests);
  const rows = agents.map((agent) => {
    const energyJ = sum((e) => e.agentJ[agent] ?? 0);
    const meanLatencyS = latency(records.filter((r) => r.agent === agent));
    return { agent, energyJ, energyWh: energyJ / 3600, meanLatencyS, edpJs: energyJ * meanLatencyS };
  });
  const boardEnergyJ = sum((e) => e.boardJ);
  const meanLatencyS = latency(records);
  return {
    measured,
    note:
      samples === 0
        ? 'power was not sampled'
        : measured
          ? `nvidia-smi power.draw, ${samples - unavailableSamples} of ${samples} readings; per agent: energy above the boards' idle power while its engines had requests in flight`
          : 'nvidia-smi reports power.draw as [N/A] on these GPUs: no measured energy',
    samples,
    unavailableSamples,
    boardEnergyJ,
    idleEnergyJ: sum((e) => e.idleJ),
    meanLatencyS,
    edpJs: boardEnergyJ * meanLatencyS,
    agents: rows,
  };
}
