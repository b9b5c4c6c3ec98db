/**
 * The training workload (spec §3): Delta-HPC's `RequestLoader` over `training.patterns`, one episode's horizon per
 * batch, replenished by the environment. The reference trains without a seed, so every batch reseeds the global
 * `random` from OS entropy; here the entropy is 64 bits drawn from the env's own stream just before it is
 * reseeded, which keeps a run reproducible from its seed while every batch still restarts the stream, as there.
 * With `seed` set, batches are seeded as the bench seeds them (seed XOR j·0x9E3779B9).
 */
import type { ResolvedTrainingConfig } from '../config/index.js';
import type { AgentName } from '../mig/index.js';
import type { ArrivalColumns } from '../sim/index.js';
import { toArrivalColumns } from './arrival-specs.js';
import { trainingPatternRanges } from './pattern-ranges.js';
import { RequestLoader, type WorkloadRng } from './request-loader.js';
import type { WorkloadSource } from './source.js';

/** The env's shared stream as the training workload uses it: reseeded per batch, and a source of fresh seeds. */
export interface TrainingWorkloadRng extends WorkloadRng {
  getrandbitsBig(k: number): bigint;
}

export class TrainingWorkload implements WorkloadSource {
  private readonly loader: RequestLoader;

  constructor(
    training: ResolvedTrainingConfig,
    /** Agent names in the simulator's (enum) order. */
    agents: readonly AgentName[],
    /** Dataset items per agent (same order): arrivals cycle through a shuffle of 0..n−1. */
    itemCounts: readonly number[],
    rng: TrainingWorkloadRng,
    /** Decisions one batch covers; default the episode length. */
    numSteps = training.ppo.episodeLength,
    seed?: number,
  ) {
    this.loader = new RequestLoader({
      agents,
      itemCounts,
      numSteps,
      actionIntervalS: training.actionIntervalS,
      ranges: trainingPatternRanges(training),
      rng,
      ...(seed !== undefined ? { seed } : { entropy: () => rng.getrandbitsBig(64) }),
      file: training.file,
    });
  }

  generate(agent: number, startS: number, turn: number): ArrivalColumns {
    return toArrivalColumns(this.loader.generate(agent, startS, turn));
  }
}
