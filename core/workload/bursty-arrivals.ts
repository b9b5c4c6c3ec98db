/**
 * BurstGPT-shaped arrivals: each agent alternates quiet stretches at a base rate with bursts at a burst rate, and
 * inside both the gaps are Gamma-distributed with shape k < 1 (mean 1/λ, coefficient of variation 1/√k), so
 * requests cluster even between bursts — the two features BurstGPT's workload model has over a Poisson pattern
 * generator. As in the reference's generator, a fresh uniform rate is drawn for every gap, the arrival that
 * crosses a phase's end belongs to that phase and the next phase starts where it landed, and items cycle through
 * a seeded shuffle of the agent's dataset. Agents are independent streams (seed XOR j·0x9E3779B9), so bursts of
 * different agents do not line up.
 */
import type { BurstySpec } from '../config/index.js';
import { MigflowError } from '../errors.js';
import type { AgentName } from '../mig/index.js';
import { CPythonRandom } from '../random/index.js';
import { toArrivalSpecs } from './arrival-specs.js';
import type { AgentTrace, BenchTrace } from './bench-trace.js';
import { gammaGapS } from './gamma.js';
import { type ArrivalBatch, agentSeed, type WorkloadPhase } from './request-loader.js';

export interface BurstyBatchOptions {
  readonly spec: BurstySpec;
  readonly agent: AgentName;
  /** Enum index (goes into the batch). */
  readonly agentIndex: number;
  /** Items of the agent's dataset; arrivals cycle through a shuffle of 0..n−1. */
  readonly itemCount: number;
  readonly startS: number;
  /** Arrivals at or after this time are dropped. */
  readonly endS: number;
  /** Seeds both the arrival stream and the item shuffle. */
  readonly seed: bigint;
  readonly turn?: number;
}

/** One agent's arrivals in [startS, endS). */
export function burstyBatch(o: BurstyBatchOptions): ArrivalBatch {
  const { spec, agent } = o;
  const base = spec.baseRatePerS[agent];
  const burst = spec.burstRatePerS[agent];
  if (!base || !burst) {
    throw new MigflowError(
      `the bursty workload has no base or burst rate for ${agent} — fix: give ${agent} a [min, max] under both`,
    );
  }
  const rng = new CPythonRandom(o.seed);
  const order = new Int32Array(o.itemCount);
  for (let i = 0; i < order.length; i++) order[i] = i;
  new CPythonRandom(o.seed).shuffle(order);

  const times: number[] = [];
  const items: number[] = [];
  const phases: WorkloadPhase[] = [];
  let t = o.startS;
  let bursting = false;
  while (t < o.endS) {
    const [lo, hi] = bursting ? burst : base;
    const [dLo, dHi] = bursting ? spec.burstDurationS : spec.quietDurationS;
    const phaseStartS = t;
    const phaseEndS = t + rng.uniform(dLo, dHi);
    let rateSum = 0;
    let draws = 0;
    while (t < phaseEndS && t < o.endS) {
      const rate = rng.uniform(lo, hi);
      rateSum += rate;
      draws++;
      t += gammaGapS(rng, rate, spec.gammaShape);
      if (t >= o.endS) break;
      items.push(order.length === 0 ? 0 : order[times.length % order.length]!);
      times.push(t);
    }
    phases.push({
      pattern: bursting ? 'burst' : 'even',
      startS: phaseStartS,
      durationS: t - phaseStartS,
      avgRatePerS: draws ? rateSum / draws : 0,
    });
    bursting = !bursting;
  }
  return {
    agent: o.agentIndex,
    turn: o.turn ?? 0,
    seed: o.seed,
    arrivalTimesS: Float64Array.from(times),
    itemIndices: Int32Array.from(items),
    phases,
  };
}

/** What a bench-trace generator is given: the agents, their dataset sizes, the decision grid and the workload seed. */
export interface TraceBuildOptions {
  /** Agents in enum order (the simulator's). */
  readonly agents: readonly AgentName[];
  readonly itemCounts: readonly number[];
  readonly actionIntervalS: number;
  /** Decisions the trace covers. */
  readonly steps: number;
  readonly seed: number;
}

export interface BurstyTraceOptions extends TraceBuildOptions {
  readonly spec: BurstySpec;
}

/** The bench's shared trace from the bursty model: agent j's stream seeded with seed XOR j·0x9E3779B9. */
export function generateBurstyTrace(o: BurstyTraceOptions): BenchTrace {
  const horizonS = o.steps * o.actionIntervalS;
  const agents = o.agents.map((agent, j): AgentTrace => {
    const b = burstyBatch({
      spec: o.spec,
      agent,
      agentIndex: j,
      itemCount: o.itemCounts[j] ?? 0,
      startS: 0,
      endS: horizonS,
      seed: agentSeed(o.seed, j),
    });
    return { agent, seed: b.seed, arrivals: toArrivalSpecs(b), phases: b.phases };
  });
  return { horizonS, agents, totalRequests: agents.reduce((s, a) => s + a.arrivals.length, 0) };
}
