/**
 * The benchmark's shared arrival trace (spec §4): generated once per bench run from the bench seed and replayed
 * identically to every policy, so policies differ only in what they decide. Per agent (enum order j) the stream
 * is seeded with seed XOR (j·0x9E3779B9); phases of a pattern (random or a configured cycle) last a uniform
 * duration, and every gap draws a fresh rate. The random stream is injected (`TraceRngFactory`) so a
 * CPython-exact generator can replace the default without touching this file.
 */
import type { PatternName, ResolvedBenchConfig } from '../config/bench.js';
import { PATTERN_ORDER } from '../config/bench.js';
import { MigflowError } from '../errors.js';
import type { AgentName } from '../mig/agents.js';
import { type EnvRng, seededEnvRng } from '../rl/env/index.js';
import type { ArrivalSpec } from '../sim/index.js';

/** Golden-ratio constant the reference mixes the agent's enum index into the seed with. */
export const AGENT_SEED_MIXER = 0x9e3779b9n;
/** A phase still covers t when t ≤ end + this (floating-point slack at boundaries). */
export const PATTERN_BOUNDARY_TOLERANCE_S = 1e-5;

/** Builds a random stream from a (possibly > 32-bit) seed; called twice per agent (shuffle, arrivals). */
export type TraceRngFactory = (seed: bigint) => EnvRng;

/** Default stream: folds the seed to 32 bits for the project's seeded generator (not CPython-exact). */
export const defaultTraceRng: TraceRngFactory = (seed) =>
  seededEnvRng(Number((seed ^ (seed >> 32n)) & 0xffffffffn));

export interface WorkloadPhase {
  readonly pattern: PatternName;
  readonly startS: number;
  /** From the phase start to the last draw (the one that crossed the phase end included). */
  readonly durationS: number;
  /** Mean of the rates drawn in the phase (the rejected last draw included). */
  readonly avgRatePerS: number;
}

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

export function agentSeed(seed: number, enumIndex: number): bigint {
  return BigInt(seed) ^ (BigInt(enumIndex) * AGENT_SEED_MIXER);
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

export function generateBenchTrace(o: TraceOptions): BenchTrace {
  const horizonS = (o.steps ?? o.bench.benchmarkLength) * o.actionIntervalS;
  const rngOf = o.rng ?? defaultTraceRng;
  const agents = o.agents.map((agent, j) => {
    const seed = agentSeed(o.bench.seed, j);
    return generateAgent(o, agent, j, seed, rngOf(seed), rngOf(seed), horizonS);
  });
  return { horizonS, agents, totalRequests: agents.reduce((s, a) => s + a.arrivals.length, 0) };
}

function generateAgent(
  o: TraceOptions,
  agent: AgentName,
  j: number,
  seed: bigint,
  shuffleRng: EnvRng,
  rng: EnvRng,
  horizonS: number,
): AgentTrace {
  const n = o.itemCounts[j] ?? 0;
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const k = shuffleRng.choiceIndex(i + 1);
    [order[i], order[k]] = [order[k]!, order[i]!];
  }
  const sequence = o.bench.workloadSequence;
  const arrivals: ArrivalSpec[] = [];
  const phases: WorkloadPhase[] = [];
  let t = 0;
  while (t < horizonS) {
    let pattern: PatternName;
    if (sequence) {
      const item = sequence[phases.length % sequence.length]!;
      const p = typeof item === 'string' ? item : item[agent];
      if (!p) {
        throw new MigflowError(
          `${o.bench.file}: workload_sequence[${phases.length % sequence.length}] has no pattern for ${agent} — fix: add "${agent}: <pattern>"`,
        );
      }
      pattern = p;
    } else {
      pattern = PATTERN_ORDER[rng.choiceIndex(PATTERN_ORDER.length)]!;
    }
    const spec = o.bench.workloads[pattern];
    const rate = spec.ratePerS[agent];
    if (!rate) {
      throw new MigflowError(
        `${o.bench.file}: workloads.${pattern}.rate has no range for ${agent} — fix: add "${agent}: [min, max]" or list ${agent} under agents`,
      );
    }
    const startS = t;
    const phaseEndS = t + rng.uniform(spec.durationS[0], spec.durationS[1]);
    let rateSum = 0;
    let draws = 0;
    while (t < phaseEndS && t < horizonS) {
      const r = rng.uniform(rate[0], rate[1]);
      rateSum += r;
      draws++;
      t += -Math.log(1 - rng.random()) / r;
      if (t >= horizonS) break;
      const i = arrivals.length;
      arrivals.push({ agent: j, arrivalTimeS: t, itemIndex: n === 0 ? 0 : order[i % n]! });
    }
    phases.push({ pattern, startS, durationS: t - startS, avgRatePerS: draws > 0 ? rateSum / draws : 0 });
  }
  return { agent, seed, arrivals, phases };
}

/** The pattern active at t: the first phase covering t (earlier wins on a boundary), else the last one. */
export function activePattern(phases: readonly WorkloadPhase[], tS: number): PatternName | undefined {
  for (const p of phases)
    if (p.startS <= tS && tS <= p.startS + p.durationS + PATTERN_BOUNDARY_TOLERANCE_S) return p.pattern;
  return phases[phases.length - 1]?.pattern;
}
