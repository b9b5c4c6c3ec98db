/**
 * The benchmark's shared arrival trace (spec §4): generated once per bench run from the bench seed and replayed
 * identically to every policy, so policies differ only in what they decide. Per agent (enum order j) the stream
 * is seeded with seed XOR (j·0x9E3779B9); phases of a pattern (random or a configured cycle) last a uniform
 * duration, and every gap draws a fresh rate. The generator is core/workload's port of the reference's
 * `RequestLoader` on the CPython-exact stream, so the trace is the reference's, arrival for arrival.
 */
import type { PatternName, ResolvedBenchConfig } from '../config/index.js';
import type { AgentName } from '../mig/index.js';
import type { ArrivalSpec } from '../sim/index.js';
import { toArrivalSpecs } from './arrival-specs.js';
import { benchPatternRanges } from './pattern-ranges.js';
import {
  cpythonWorkloadRng,
  RequestLoader,
  type WorkloadPhase,
  type WorkloadRngFactory,
} from './request-loader.js';
import type { WorkloadSource } from './source.js';
/** A phase still covers t when t ≤ end + this (floating-point slack at boundaries). */
export const PATTERN_BOUNDARY_TOLERANCE_S = 1e-5;

/** Builds a random stream from a (possibly > 32-bit) seed, as `random.Random(seed)`. */
export type TraceRngFactory = WorkloadRngFactory;

/** Default stream: CPython-exact (`core/random`), so the trace equals the reference's request for request. */
export const defaultTraceRng: TraceRngFactory = cpythonWorkloadRng;

export interface AgentTrace {
  readonly agent: AgentName;
  readonly seed: bigint;
  readonly arrivals: readonly ArrivalSpec[];
  readonly phases: readonly WorkloadPhase[];
}

export interface BenchTrace {
  readonly horizonS: number;
  /** Enum order, as the simulator's agent indices. */
  readonly agents: readonly AgentTrace[];
  readonly totalRequests: number;
}

export interface TraceOptions {
  readonly bench: ResolvedBenchConfig;
  /** Agents in enum order (the simulator's). */
  readonly agents: readonly AgentName[];
  /** Dataset items per agent (same order); arrivals cycle through a seeded shuffle of them. */
  readonly itemCounts: readonly number[];
  readonly actionIntervalS: number;
  /** Decisions the trace must cover; default `bench.benchmarkLength`. */
  readonly steps?: number;
  readonly rng?: TraceRngFactory;
}

/** The reference's `RequestLoader` with the bench seed, called once per agent in enum order (core/workload). */
export function generateBenchTrace(o: TraceOptions): BenchTrace {
  const steps = o.steps ?? o.bench.benchmarkLength;
  const rngOf = o.rng ?? defaultTraceRng;
  const loader = new RequestLoader({
    agents: o.agents,
    itemCounts: o.itemCounts,
    numSteps: steps,
    actionIntervalS: o.actionIntervalS,
    ranges: benchPatternRanges(o.bench),
    rng: rngOf(0n),
    shuffleRng: rngOf,
    seed: o.bench.seed,
    ...(o.bench.workloadSequence ? { workloadSequence: o.bench.workloadSequence } : {}),
    file: o.bench.file,
  });
  const agents = o.agents.map((agent, j): AgentTrace => {
    const b = loader.generate(j, 0, 0);
    return { agent, seed: b.seed, arrivals: toArrivalSpecs(b), phases: b.phases };
  });
  return {
    horizonS: steps * o.actionIntervalS,
    agents,
    totalRequests: agents.reduce((s, a) => s + a.arrivals.length, 0),
  };
}

/** The pattern active at t: the first phase covering t (earlier wins on a boundary), else the last one. */
export function activePattern(phases: readonly WorkloadPhase[], tS: number): PatternName | undefined {
  for (const p of phases)
    if (p.startS <= tS && tS <= p.startS + p.durationS + PATTERN_BOUNDARY_TOLERANCE_S) return p.pattern;
  return phases[phases.length - 1]?.pattern;
}

/** The trace as the environment's workload: every arrival at reset, nothing afterwards. */
export function replayBenchTrace(trace: BenchTrace): WorkloadSource {
  return {
    generate: (agent, _startS, turn) => (turn === 0 ? [...(trace.agents[agent]?.arrivals ?? [])] : []),
  };
}
