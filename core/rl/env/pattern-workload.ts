/**
 * The training workload (spec §3): per agent, phases of a uniformly chosen pattern (idle, even, busy, burst), each
 * lasting a uniform duration, with a fresh uniform rate drawn for every exponential gap, until the horizon of one
 * episode. Requests cycle through the agent's dataset items in a shuffled order. This is the environment's own
 * source until a shared `core/workload` exists; it only needs the injected stream and the item count.
 */
import { PATTERN_NAMES, type ResolvedTrainingConfig } from '../../config/training.js';
import type { ArrivalSpec } from '../../sim/index.js';
import { type EnvRng, expovariate } from './env-rng.js';

/** Produces one batch of arrivals for an agent, starting at `startS`. */
export interface WorkloadSource {
  generate(agent: number, startS: number, turn: number): ArrivalSpec[];
}

export class PatternWorkload implements WorkloadSource {
  constructor(
    private readonly training: ResolvedTrainingConfig,
    /** Agent names in the simulator's (enum) order. */
    private readonly agents: readonly string[],
    /** Dataset items per agent (same order): arrivals cycle through a shuffle of 0..n−1. */
    private readonly itemCounts: readonly number[],
    private readonly rng: EnvRng,
    /** Seconds one batch covers; default episode length × decision interval. */
    private readonly horizonS = training.ppo.episodeLength * training.actionIntervalS,
  ) {}

  generate(agent: number, startS: number, _turn: number): ArrivalSpec[] {
    const name = this.agents[agent]!;
    const n = this.itemCounts[agent]!;
    const order = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.rng.random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const out: ArrivalSpec[] = [];
    const endS = startS + this.horizonS;
    let t = startS;
    while (t < endS) {
      const pattern = this.training.patterns[PATTERN_NAMES[this.rng.choiceIndex(PATTERN_NAMES.length)]!];
      const rate = pattern.rateReqS[name];
      if (!rate) throw new RangeError(`training config has no rate range for ${name}`);
      const phaseEnd = t + this.rng.uniform(pattern.durationS.low, pattern.durationS.high);
      while (t < phaseEnd && t < endS) {
        t += expovariate(this.rng, this.rng.uniform(rate.low, rate.high));
        if (t >= endS) break;
        out.push({ agent, arrivalTimeS: t, itemIndex: n === 0 ? 0 : order[out.length % n]! });
      }
    }
    return out;
  }
}
