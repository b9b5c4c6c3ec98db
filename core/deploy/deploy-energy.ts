/**
 * Energy of a live deployment (issue 17 item 3): every POWER_SAMPLE_S the window reads each managed GPU's
 * `nvidia-smi --query-gpu=power.draw` (core/profiling's reader: execa, argv array; Node has no NVML binding that
 * installs offline). Between two readings a board is taken to draw the later one. The metering covers the whole run,
 * not only the serving: each window reads once more as it ends, and the next window's first reading books the time
 * since then (the report and the hand-over between windows, a worker's restart, a retried window), so the run is
 * metered from its first reading to its last without a hole. What a board draws above its idle power (the simulation
 * config's power model — measured by profiling where profiling ran, the documented default otherwise) goes to the
 * agents whose engines on it have requests in flight, by compute slices: an agent's energy is its marginal energy, as
 * the simulator's EnergyMeter counts it. While no engine on the board has work (engines booting, a reconfiguration,
 * a drain, the time between windows) it goes to the agents by the compute slices they hold on it; only a board that
 * holds no slice of any agent books it as `unattributed`. EDP = energy × mean end-to-end latency (arrival to last
 * token) of the agent's completed requests. A `[N/A]` reading counts as unavailable, never as 0 W.
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
  /** Seconds the readings cover (from the previous reading to the last one). */
  meteredS: number;
  boardJ: number;
  /** What each board drew, J, by GPU index. */
  gpuJ: Record<string, number>;
  idleJ: number;
  /** Above-idle energy per agent; `unattributed` for a board that held no agent's slice. */
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
    meteredS: 0,
    boardJ: 0,
    gpuJ: {},
    idleJ: 0,
    agentJ: {},
  };

  /**
   * `previousReadingMs`: when the run last read power (the end of the previous window, kept in the deployment's
   * state); the first reading then books the time since, instead of only starting the count.
   */
  constructor(
    private readonly gpus: readonly MeteredGpu[],
    private readonly read: (gpu: number) => Promise<number | null>,
    private lastMs?: number,
  ) {}

  /** When the last reading was taken (undefined before the first); what the next window starts from. */
  get lastReadingMs(): number | undefined {
    return this.lastMs;
  }

  /** Reads every board once and books the time since the previous reading at these powers. */
  async sample(slots: readonly LiveSlot[], nowMs: number = Date.now()): Promise<void> {
    const readings = await Promise.all(this.gpus.map((g) => this.read(g.index).catch(() => null)));
    // Another host's clock may be a little behind the one that read last.
    const dtS = this.lastMs === undefined ? 0 : Math.max(0, nowMs - this.lastMs) / 1000;
    this.lastMs = nowMs;
    this.energy.meteredS += dtS;
    this.gpus.forEach((g, i) => {
      const w = readings[i];
      this.energy.samples++;
      if (w === null || w === undefined) {
        this.energy.unavailableSamples++;
        return;
      }
      this.energy.boardJ += w * dtS;
      this.energy.gpuJ[g.index] = (this.energy.gpuJ[g.index] ?? 0) + w * dtS;
      this.energy.idleJ += g.idleW * dtS;
      const above = Math.max(0, w - g.idleW) * dtS;
      const held = slots.filter((s) => s.plan.gpu === g.index && !s.plan.permanent);
      const busy = held.filter((s) => s.inFlight > 0);
      const sharing = busy.length > 0 ? busy : held;
      const weight = sharing.reduce((sum, s) => sum + computeSlices(s.plan.hardware), 0);
      const book = (agent: string, j: number) => {
        this.energy.agentJ[agent] = (this.energy.agentJ[agent] ?? 0) + j;
      };
      if (weight === 0) book('unattributed', above);
      else for (const s of sharing) book(s.plan.agent, (above * computeSlices(s.plan.hardware)) / weight);
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
  const meteredS = sum((e) => e.meteredS);
  const gpuIndices = [...new Set(windows.flatMap((w) => Object.keys(w.energy?.gpuJ ?? {})))]
    .map(Number)
    .sort((a, b) => a - b);
  const meanLatencyS = latency(records);
  return {
    measured,
    note:
      samples === 0
        ? 'power was not sampled'
        : measured
          ? `nvidia-smi power.draw, ${samples - unavailableSamples} of ${samples} readings over ${meteredS.toFixed(0)} s of the run (serving, reconfiguration and between windows); per agent: energy above the boards' idle power while its engines had requests in flight, otherwise by the compute slices it held`
          : 'nvidia-smi reports power.draw as [N/A] on these GPUs: no measured energy',
    samples,
    unavailableSamples,
    meteredS,
    boardEnergyJ,
    gpus: gpuIndices.map((gpu) => {
      const energyJ = sum((e) => e.gpuJ[gpu] ?? 0);
      return { gpu, energyJ, energyWh: energyJ / 3600 };
    }),
    idleEnergyJ: sum((e) => e.idleJ),
    meanLatencyS,
    edpJs: boardEnergyJ * meanLatencyS,
    agents: rows,
  };
}
