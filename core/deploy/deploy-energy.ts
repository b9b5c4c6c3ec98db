/**
 * Energy of a live deployment (issue 17 item 3): every POWER_SAMPLE_S the window reads each managed GPU's
 * `nvidia-smi --query-gpu=power.draw` (core/profiling's reader: execa, argv array; Node has no NVML binding that
 * installs offline). Between two readings a board is taken to draw the later one. The metering covers the whole run,
 * not only the serving: each window reads once more as it ends, and the next window's first reading books the time
 * since then (the report and the hand-over between windows, a worker's restart, a retried window); the set-up before
 * window 0's engines are up and the teardown after the last window are phases of their own (`closePhase`,
 * energy-ledger.ts, metered-teardown.ts), so the deployment is metered from its start to its last reading without a
 * hole, each boundary reading booked once. What a board draws above its idle power (the simulation
 * config's power model — measured by profiling where profiling ran, the documented default otherwise) goes to the
 * agents whose engines on it have requests in flight, by compute slices: an agent's energy is its marginal energy, as
 * the simulator's EnergyMeter counts it. While no engine on the board has work (engines booting, a reconfiguration,
 * a drain, the time between windows) it goes to the agents by the compute slices they hold on it; only a board that
 * holds no slice of any agent books it as `unattributed`. EDP = energy × mean end-to-end latency (arrival to last
 * token) of the agent's completed requests. A `[N/A]` reading counts as unavailable, never as 0 W.
 */
import type { DeployEnergy, DeployEnergyPhase } from '../../contracts/index.js';
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
  /** Why readings were unavailable (`[N/A]` as printed, nvidia-smi's failure), with how many times each. */
  unavailable?: Record<string, number>;
  /** The reading the energy books from and the last reading (epoch ms); consecutive phases share the boundary. */
  fromMs?: number;
  toMs?: number;
}

export interface MeteredGpu {
  index: number;
  /** Idle power of the whole board by the power model, W. */
  idleW: number;
}

function computeSlices(hardware: string): number {
  return Number(/^(\d+)g\./.exec(hardware)?.[1] ?? 1);
}

/** A board's reading: watts, or no value (null: `[N/A]` with no further reason; else why). */
export type BoardReading = number | null | { reason: string };

const NA = 'power.draw reads [N/A]';

export class DeployPowerMeter {
  private readonly energy: WindowEnergy = emptyEnergy();

  /**
   * `previousReadingMs`: when the run last read power (the end of the previous window, kept in the deployment's
   * state); the first reading then books the time since, instead of only starting the count.
   */
  constructor(
    private readonly gpus: readonly MeteredGpu[],
    private readonly read: (gpu: number) => Promise<BoardReading>,
    private lastMs?: number,
  ) {
    if (lastMs !== undefined) this.energy.fromMs = lastMs;
  }

  /** When the last reading was taken (undefined before the first); what the next window starts from. */
  get lastReadingMs(): number | undefined {
    return this.lastMs;
  }

  /** Reads every board once and books the time since the previous reading at these powers. */
  async sample(slots: readonly LiveSlot[], nowMs: number = Date.now()): Promise<void> {
    const readings = await Promise.all(
      this.gpus.map((g) =>
        this.read(g.index).catch(
          (err): BoardReading => ({ reason: err instanceof Error ? err.message : String(err) }),
        ),
      ),
    );
    // Another host's clock may be a little behind the one that read last.
    const dtS = this.lastMs === undefined ? 0 : Math.max(0, nowMs - this.lastMs) / 1000;
    this.lastMs = Math.max(nowMs, this.lastMs ?? nowMs);
    this.energy.fromMs ??= this.lastMs;
    this.energy.toMs = this.lastMs;
    this.energy.meteredS += dtS;
    this.gpus.forEach((g, i) => {
      const w = readings[i];
      this.energy.samples++;
      if (typeof w !== 'number') {
        // The board's time since its last reading is not booked: the figures say how many readings were missing.
        this.energy.unavailableSamples++;
        const reason = w === null || w === undefined ? NA : w.reason;
        this.energy.unavailable ??= {};
        this.energy.unavailable[reason] = (this.energy.unavailable[reason] ?? 0) + 1;
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

  /**
   * Ends a phase at the last reading (take one just before): returns what it booked and starts the next phase from
   * that same reading, so the boundary's time is booked once, by the phase before it.
   */
  closePhase(): WindowEnergy {
    const closed = this.summary();
    Object.assign(this.energy, emptyEnergy(), this.lastMs === undefined ? {} : { fromMs: this.lastMs });
    return closed;
  }
}

function emptyEnergy(): WindowEnergy {
  return { samples: 0, unavailableSamples: 0, meteredS: 0, boardJ: 0, gpuJ: {}, idleJ: 0, agentJ: {} };
}

/** One metered stretch of the deployment, in the order they happened. */
export interface MeteredPhase {
  phase: DeployEnergyPhase['phase'];
  /** The decision window (phase `window`). */
  window?: number;
  /** The activity attempt that metered it. */
  attempt?: number;
  /** False when the phase was cut short (cancelled, failed): its energy is what was read until then. */
  complete: boolean;
  endedBy?: string;
  energy: WindowEnergy;
}

const phaseName = (p: MeteredPhase) =>
  p.phase === 'window' ? `window ${p.window ?? '?'}` : p.phase === 'set-up' ? 'set-up' : 'teardown';

/**
 * The deployment's energy: set-up + Σ windows + teardown, with each phase's duration and energy. `notes` are the
 * ledger's findings (a phase missing, a gap or an overlap between phases); with any of them, or a phase cut short,
 * the figures are flagged `partial`.
 */
export function deployEnergy(
  agents: readonly string[],
  phases: readonly MeteredPhase[],
  records: readonly RequestRecord[],
  notes: readonly string[] = [],
): DeployEnergy {
  const sum = (f: (e: WindowEnergy) => number) => phases.reduce((s, p) => s + f(p.energy), 0);
  const samples = sum((e) => e.samples);
  const unavailableSamples = sum((e) => e.unavailableSamples);
  const measured = samples > unavailableSamples;
  const latency = (rs: readonly RequestRecord[]) => {
    const done = rs.filter((r) => r.status === 'completed');
    return done.length ? done.reduce((s, r) => s + (r.sentS - r.arrivalS) + r.e2eS, 0) / done.length : 0;
  };
  const rows = agents.map((agent) => {
    const energyJ = sum((e) => e.agentJ[agent] ?? 0);
    const meanLatencyS = latency(records.filter((r) => r.agent === agent));
    return { agent, energyJ, energyWh: energyJ / 3600, meanLatencyS, edpJs: energyJ * meanLatencyS };
  });
  const boardEnergyJ = sum((e) => e.boardJ);
  const meteredS = sum((e) => e.meteredS);
  const gpuIndices = [...new Set(phases.flatMap((p) => Object.keys(p.energy.gpuJ)))]
    .map(Number)
    .sort((a, b) => a - b);
  const meanLatencyS = latency(records);
  const cut = phases.filter((p) => !p.complete);
  const reasons: Record<string, number> = {};
  for (const p of phases)
    for (const [r, n] of Object.entries(p.energy.unavailable ?? {})) reasons[r] = (reasons[r] ?? 0) + n;
  const why = Object.entries(reasons)
    .map(([r, n]) => `${r} (×${n})`)
    .join('; ');
  const allNotes = [
    ...notes,
    ...cut.map(
      (p) => `${phaseName(p)} was cut short (${p.endedBy ?? 'no reason recorded'}): metered until then`,
    ),
    ...(measured && unavailableSamples > 0
      ? [
          `${unavailableSamples} of ${samples} readings had no value, so their boards' time before them is not in the energy: ${why || NA}`,
        ]
      : []),
  ];
  const windows = phases.filter((p) => p.phase === 'window');
  const span = (f: (p: MeteredPhase) => boolean) =>
    phases.filter(f).reduce((s, p) => s + p.energy.meteredS, 0);
  return {
    measured,
    partial: allNotes.length > 0,
    note:
      samples === 0
        ? 'power was not sampled'
        : measured
          ? `nvidia-smi power.draw, ${samples - unavailableSamples} of ${samples} readings over ${meteredS.toFixed(0)} s of the deployment (set-up ${span((p) => p.phase === 'set-up').toFixed(0)} s, ${windows.length} windows ${span((p) => p.phase === 'window').toFixed(0)} s, teardown ${span((p) => p.phase === 'teardown').toFixed(0)} s)${allNotes.length ? ', PARTIAL' : ''}; per agent: energy above the boards' idle power while its engines had requests in flight, otherwise by the compute slices it held`
          : Object.keys(reasons).some((r) => r !== NA)
            ? `no power.draw reading had a value: ${why}: no measured energy`
            : 'nvidia-smi reports power.draw as [N/A] on these GPUs: no measured energy',
    notes: allNotes,
    samples,
    unavailableSamples,
    meteredS,
    boardEnergyJ,
    phases: phases.map((p) => ({
      phase: p.phase,
      ...(p.window !== undefined ? { window: p.window } : {}),
      complete: p.complete,
      ...(p.endedBy ? { endedBy: p.endedBy } : {}),
      ...(p.energy.fromMs !== undefined ? { fromMs: p.energy.fromMs } : {}),
      ...(p.energy.toMs !== undefined ? { toMs: p.energy.toMs } : {}),
      meteredS: p.energy.meteredS,
      energyJ: p.energy.boardJ,
      samples: p.energy.samples,
      unavailableSamples: p.energy.unavailableSamples,
    })),
    gpus: gpuIndices.map((gpu) => {
      const energyJ = sum((e) => e.gpuJ[gpu] ?? 0);
      return { gpu, energyJ, energyWh: energyJ / 3600 };
    }),
    idleEnergyJ: sum((e) => e.idleJ),
    unattributedJ: sum((e) => e.agentJ.unattributed ?? 0),
    meanLatencyS,
    edpJs: boardEnergyJ * meanLatencyS,
    agents: rows,
  };
}
