/**
 * The training objective over a run of decisions: the sum of every step's reward, added up in step order from 0
 * as the trainer adds up an episode's reward (`rollout/ep_rew_mean`), and that sum split into what earned or cost
 * it — the TTFT and TPOT penalties, the action penalty, the quality and affinity bonuses (each after the reward's
 * scaling) and what the floor (`reward.clipping`) added back. The parts add up to the total up to rounding.
 */
import type { BenchEntry } from '../../contracts/index.js';
import type { RewardConfig } from '../config/index.js';
import type { RewardBreakdown } from './reward.js';

export interface EpisodeReward {
  /** Σ reward over the decisions: the training env's episode reward. */
  readonly total: number;
  readonly decisions: number;
  /** −scaling · Σ ttftPenalty. */
  readonly ttft: number;
  /** −scaling · Σ tpotPenalty. */
  readonly tpot: number;
  /** −scaling · Σ actionPenalty. */
  readonly action: number;
  /** scaling · Σ quality. */
  readonly quality: number;
  /** scaling · Σ affinity (after its weight). */
  readonly affinity: number;
  /** Σ (reward − unclipped reward): what the floor added; 0 when no decision hit it. */
  readonly clip: number;
  /** Decisions whose reward was the floor. */
  readonly clippedDecisions: number;
}

/** The parts the total splits into, as a bench entry records them (results files, the bench table, perf scripts). */
export type RewardParts = Omit<NonNullable<BenchEntry['reward']>, 'total'>;

export function rewardParts(r: EpisodeReward): RewardParts {
  return {
    ttft: r.ttft,
    tpot: r.tpot,
    action: r.action,
    quality: r.quality,
    affinity: r.affinity,
    clip: r.clip,
  };
}

export class EpisodeRewardSum {
  private total = 0;
  private decisions = 0;
  private ttft = 0;
  private tpot = 0;
  private action = 0;
  private quality = 0;
  private affinity = 0;
  private clip = 0;
  private clipped = 0;

  constructor(private readonly cfg: Pick<RewardConfig, 'scaling'>) {}

  add(b: RewardBreakdown): void {
    const k = this.cfg.scaling;
    this.total += b.reward;
    this.decisions++;
    this.ttft -= k * b.ttftPenalty;
    this.tpot -= k * b.tpotPenalty;
    this.action -= k * b.actionPenalty;
    this.quality += k * b.quality;
    this.affinity += k * b.affinity;
    const unclipped = (-b.penalty - b.actionPenalty + b.quality + b.affinity) * k;
    if (b.reward > unclipped) {
      this.clip += b.reward - unclipped;
      this.clipped++;
    }
  }

  summary(): EpisodeReward {
    return {
      total: this.total,
      decisions: this.decisions,
      ttft: this.ttft,
      tpot: this.tpot,
      action: this.action,
      quality: this.quality,
      affinity: this.affinity,
      clip: this.clip,
      clippedDecisions: this.clipped,
    };
  }
}
