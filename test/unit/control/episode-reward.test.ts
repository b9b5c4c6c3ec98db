import { describe, expect, it } from 'vitest';
import { EpisodeRewardSum, type RewardBreakdown } from '../../../core/control/index.js';

const step = (b: Omit<RewardBreakdown, 'psi' | 'reward'>, floor = -50): RewardBreakdown => {
  const unclipped = (-b.penalty - b.actionPenalty + b.quality + b.affinity) * 0.1;
  return { ...b, psi: [], reward: Math.max(unclipped, floor) };
};

describe('EpisodeRewardSum', () => {
  it('adds rewards in step order and splits them into scaled terms, the floor included', () => {
    const sum = new EpisodeRewardSum({ scaling: 0.1 });
    // A healthy NO_ACTION interval, an action, and an overloaded interval that hits the −50 floor.
    const steps = [
      step({
        penalty: 4.402,
        ttftPenalty: 4.4,
        tpotPenalty: 0.002,
        actionPenalty: 0,
        quality: 11.6,
        affinity: 0.6,
      }),
      step({ penalty: 2, ttftPenalty: 1.5, tpotPenalty: 0.5, actionPenalty: 12, quality: 5, affinity: 0.4 }),
      step({ penalty: 800, ttftPenalty: 799, tpotPenalty: 1, actionPenalty: 0, quality: 1, affinity: 0.6 }),
    ];
    for (const s of steps) sum.add(s);
    const r = sum.summary();
    expect(r.decisions).toBe(3);
    expect(r.total).toBe(steps[0]!.reward + steps[1]!.reward + steps[2]!.reward);
    expect(r.total).toBeCloseTo(0.7798 - 0.86 - 50, 9);
    expect(r.ttft).toBeCloseTo(-(4.4 + 1.5 + 799) * 0.1, 9);
    expect(r.tpot).toBeCloseTo(-(0.002 + 0.5 + 1) * 0.1, 9);
    expect(r.action).toBeCloseTo(-1.2, 12);
    expect(r.quality).toBeCloseTo(1.76, 9);
    expect(r.affinity).toBeCloseTo(0.16, 9);
    // The overloaded step was worth −79.84 before the floor, so the floor added 29.84.
    expect(r.clip).toBeCloseTo(29.84, 9);
    expect(r.clippedDecisions).toBe(1);
    expect(r.ttft + r.tpot + r.action + r.quality + r.affinity + r.clip).toBeCloseTo(r.total, 9);
  });
});
