/**
 * Builds the observation vector from a cluster's state at a decision, the simulator's or the live deployment's
 * (Delta-HPC `get_state` + `_get_obs`): per agent in name order its load, latency, queue and ownership features,
 * then global budget, ratio, geometry, one-hot state and slice-ownership features. Writes into a caller-owned Float32Array so a rollout allocates
 * nothing per step.
 */
import type { ResolvedTrainingConfig, TimeFeatureConfig } from '../config/index.js';
import {
  AgentName,
  isStateId,
  oneHotPosition,
  PERMANENT_SLOT,
  PROFILE_SLOTS,
  sliceLayout,
} from '../mig/index.js';
import { EngineStatus } from '../sim/index.js';
import type { ClusterView } from './cluster-view.js';
import type { IdleClocks } from './idle-clocks.js';
import type { ObservationLayout } from './observation-layout.js';
import { type ObservationClockState, ObservationClocks } from './time-features.js';

/** Guard of the pairwise ratio features. */
export const RATIO_EPSILON = 1e-6;
/** Completed requests (newest first) the latency feature averages over. */
export const LATENCY_WINDOW = 100;

/** Per-agent raw totals the ratio features compare; kept to avoid recomputing them. */
interface AgentTotals {
  rate: number;
  queue: number;
  running: number;
  kv: number;
  latencyRaw: number;
  vram: number;
  sm: number;
}

export class ObservationBuilder {
  private readonly totals: AgentTotals[];
  private readonly sums = new Float64Array(PROFILE_SLOTS);
  private readonly counts = new Int32Array(PROFILE_SLOTS);
  /** Agent enum index of each block position. */
  private readonly blockEnumIndex: number[];
  /** The opt-in clocks (present when the layout has time features); they carry state from one decision to the next. */
  private readonly clocks: ObservationClocks | undefined;

  constructor(
    readonly layout: ObservationLayout,
    private readonly training: ResolvedTrainingConfig,
    /** Agents in the simulator's (enum) order. */
    readonly simAgents: readonly string[],
    /** The clocks' settings; required exactly when `layout` has time features. */
    timeFeatures?: TimeFeatureConfig,
  ) {
    this.totals = layout.blockAgents.map(() => ({
      rate: 0,
      queue: 0,
      running: 0,
      kv: 0,
      latencyRaw: 0,
      vram: 0,
      sm: 0,
    }));
    this.blockEnumIndex = layout.blockAgents.map((name) => {
      const i = simAgents.indexOf(name);
      if (i < 0) throw new RangeError(`agent ${name} is not in the simulator's agent list`);
      return i;
    });
    if ((layout.time === undefined) !== (timeFeatures === undefined)) {
      throw new RangeError(
        'ObservationBuilder: the layout has time features exactly when their settings are given (training.time_features)',
      );
    }
    this.clocks =
      layout.time && timeFeatures
        ? new ObservationClocks(layout.time, timeFeatures, this.blockEnumIndex, layout.managedGpuCount)
        : undefined;
  }

  /** Starts the time features' clocks afresh at the next observation (a new episode); nothing without them. */
  resetClocks(): void {
    this.clocks?.reset();
  }

  /** The clocks' state after the last observation, to continue elsewhere; undefined without clocks or before one. */
  saveClocks(): ObservationClockState | undefined {
    return this.clocks?.save();
  }

  /** The clocks' idle clocks (what idle_merge decides on), as of the last observation; undefined without clocks. */
  get idleClocks(): IdleClocks | undefined {
    return this.clocks?.idle;
  }

  /** Continues the clocks from a saved state; false when there are none or the record does not fit them. */
  restoreClocks(state: ObservationClockState): boolean {
    return this.clocks?.restore(state) ?? false;
  }

  /** Fills `out` (length `layout.length`) with the observation at the simulator's current time. */
  build(sim: ClusterView, out: Float32Array): Float32Array {
    const L = this.layout;
    const B = L.block;
    const n = this.training.normalization;
    const intervalS = this.training.actionIntervalS;
    const cooldown = this.training.actionCooldownSteps;
    const H = L.historyLength;
    const m = sim.metrics;
    const now = sim.nowS;
    const queueDenom = Math.log10(1 + n.avgQueueLength);
    const { wTtft, wTpot } = this.training.reward;
    out.fill(0);

    L.blockAgents.forEach((_, pos) => {
      const a = this.blockEnumIndex[pos]!;
      const agent = sim.agents[a]!;
      const base = L.blockStarts[pos]!;
      const t = this.totals[pos]!;

      // Arrival rate and its trend against the previous interval's raw rate.
      const rate = m.arrivalRate(a, now);
      const last = m.lastArrivalRate[a]!;
      const trend = Number.isNaN(last) || last === 0 ? (rate > 0 ? 1 : 0) : (rate - last) / last;
      const rateNorm = rate / n.arrivalRate;
      out[base + B.arrivalRate] = rateNorm;
      out[base + B.predictedArrivalRate] = rateNorm * (1 + trend);
      t.rate = rateNorm;

      let sm = 0;
      let vram = 0;
      for (const e of agent.engines) {
        sm += e.profile.size;
        vram += e.profile.vramGb;
      }
      t.sm = sm / n.totalSmRatio;
      t.vram = vram / n.totalVramRatio;
      out[base + B.totalSmRatio] = t.sm;
      out[base + B.totalVramRatio] = t.vram;

      for (let h = 0; h < H; h++)
        out[base + B.arrivalRateHistory + h] = m.arrivalRateHistory[a * H + h]! / n.arrivalRate;

      // KV utilisation: mean over non-booting engines per slot.
      this.sums.fill(0);
      this.counts.fill(0);
      for (const e of agent.engines) {
        if (e.status === EngineStatus.Booting) continue;
        const slot = e.permanent ? PERMANENT_SLOT : e.logical;
        this.sums[slot]! += e.kvUtilization();
        this.counts[slot]!++;
      }
      t.kv = 0;
      for (let s = 0; s < PROFILE_SLOTS; s++) {
        const v = this.counts[s]! > 0 ? this.sums[s]! / this.counts[s]! : 0;
        out[base + B.kvCacheUtilization + s] = v;
        t.kv += v;
      }

      // Composite latency of the last completed requests, as shares of the slot means' total.
      this.sums.fill(0);
      this.counts.fill(0);
      let visited = 0;
      for (let i = 0; i < agent.completed.length && visited < LATENCY_WINDOW; i++) {
        const r = agent.completed.fromNewest(i);
        const e = r.servingEngine;
        if (e === null) continue;
        visited++;
        const ttftS = r.hasFirstToken ? r.firstTokenTimeS - r.arrivalTimeS : 0;
        const tpotS = r.generatedTokens > 0 ? r.decodeTimeS / r.generatedTokens : 0;
        const slot = e.permanent ? PERMANENT_SLOT : e.logical;
        this.sums[slot]! += wTtft * ttftS + wTpot * tpotS;
        this.counts[slot]!++;
      }
      let total = 0;
      for (let s = 0; s < PROFILE_SLOTS; s++) {
        const mean = this.counts[s]! > 0 ? this.sums[s]! / this.counts[s]! : 0;
        this.sums[s] = mean;
        total += mean;
      }
      t.latencyRaw = total;
      for (let s = 0; s < PROFILE_SLOTS; s++)
        out[base + B.avgCompositeLatency + s] = total > 0 ? this.sums[s]! / total : 0;

      // Queue and running averages over the interval (integral / full interval length).
      t.queue = 0;
      t.running = 0;
      for (let s = 0; s < PROFILE_SLOTS; s++) {
        const q = m.avgQueue(a, s);
        const qNorm = Math.log10(1 + q) / queueDenom;
        out[base + B.avgQueueLength + s] = qNorm;
        t.queue += qNorm;
        let qTrend = 0;
        if (m.hasLastAvgQueue[a]) {
          const lastQ = m.lastAvgQueue[a * PROFILE_SLOTS + s]!;
          if (lastQ > 0) {
            const clamp = n.queueLengthTrendClamp;
            qTrend = Math.max(-clamp, Math.min(clamp, (q - lastQ) / lastQ));
          } else {
            qTrend = q > 0 ? 1 : 0;
          }
        }
        out[base + B.avgQueueLengthTrend + s] = qTrend;
        const run = m.avgRunning(a, s) / n.avgRunningRequests;
        out[base + B.avgRunningRequests + s] = run;
        t.running += run;
      }

      for (const e of agent.engines) {
        if (e.status !== EngineStatus.Booting && !e.permanent)
          out[base + B.agentOwnsMig + e.logical]! += 1 / n.migGeometry;
      }

      const steps = (key: number) => Math.min(m.stepsSinceAction(a, key as 0), cooldown) / cooldown;
      out[base + B.lastSplit] = steps(0);
      out[base + B.lastMerge] = steps(1);
      out[base + B.lastGive] = steps(2);
      out[base + B.lastReceive] = steps(3);
      const amount = (key: 2 | 3) => {
        const st = m.stepsSinceAction(a, key);
        return st === 0 || st >= cooldown ? 0 : m.amounts[a * 4 + key]! / n.vramTransferAmount;
      };
      out[base + B.lastGiveAmount] = amount(2);
      out[base + B.lastReceiveAmount] = amount(3);
      if (B.giveToSteps >= 0) {
        L.blockAgents.forEach((_, targetPos) => {
          const target = this.blockEnumIndex[targetPos]!;
          out[base + B.giveToSteps + targetPos] = Math.min(m.stepsSinceGive(a, target), cooldown) / cooldown;
        });
      }
    });

    const G = L.global;
    out[G.recoveryFlag] = m.reconfigFlag ? 1 : 0;
    out[G.currentBudget] = m.budgetS / this.training.budgetS;
    out[G.downtimeRatio] = m.lastActionDowntimeS / intervalS;
    const latDenom = Math.log10(1 + n.avgCompositeLatency);
    L.pairs.forEach(([i, j], p) => {
      const c = this.totals[i]!;
      const r = this.totals[j]!;
      const ratio = (x: number, y: number) => (x - y) / (x + y + RATIO_EPSILON);
      out[G.arrivalRatio + p] = ratio(c.rate, r.rate);
      out[G.queueRatio + p] = ratio(c.queue, r.queue);
      out[G.runningRatio + p] = ratio(c.running, r.running);
      out[G.kvRatio + p] = ratio(c.kv, r.kv);
      out[G.latencyRatio + p] = ratio(
        Math.log10(1 + c.latencyRaw) / latDenom,
        Math.log10(1 + r.latencyRaw) / latDenom,
      );
      out[G.vramRatio + p] = ratio(c.vram, r.vram);
      out[G.smRatio + p] = ratio(c.sm, r.sm);
    });

    const A = L.agentCount;
    for (let g = 0; g < L.managedGpuCount; g++) {
      L.blockAgents.forEach((_, pos) => {
        const agent = sim.agents[this.blockEnumIndex[pos]!]!;
        let size = 0;
        for (const e of agent.engines) if (!e.permanent && e.gpu === g) size += e.profile.size;
        out[G.migGeometry + g * A + pos] = size / n.migGeometry;
      });
      const state = sim.gpuState(g);
      if (!isStateId(state)) continue;
      out[G.stateOneHot + g * 15 + oneHotPosition(state)] = 1;
      const slices = sliceLayout(state);
      for (const agent of sim.agents) {
        const ownerValue = agent.name === AgentName.Coding ? 1 : 2;
        for (const e of agent.engines) {
          if (e.gpu !== g || e.migIndex < 0) continue;
          for (const s of slices[e.migIndex] ?? []) out[G.ownershipGrid + g * 7 + s] = ownerValue;
        }
      }
    }
    this.clocks?.write(sim, out);
    return out;
  }
}
