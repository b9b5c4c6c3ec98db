/** One rule for "the best trial": held-out evaluation reward when every completed trial has one, else training reward. */
import { describe, expect, it } from 'vitest';
import {
  type RankableTrial,
  rankSearchTrials,
  rankTrials,
  rewardColumns,
  type SearchTrial,
} from '../../../contracts/index.js';

const trial = (
  index: number,
  status: string,
  meanEpisodeReward?: number | null,
  evalReward?: number,
): RankableTrial => ({
  trialKey: `t-${index}`,
  index,
  status,
  ...(meanEpisodeReward !== undefined ? { meanEpisodeReward } : {}),
  ...(evalReward !== undefined ? { evalReward } : {}),
});
const keys = (ts: readonly RankableTrial[]) => ts.map((t) => t.trialKey);

describe('rankTrials', () => {
  it('ranks by evaluation reward when every completed trial has one, even against the training reward', () => {
    const r = rankTrials([
      trial(0, 'completed', 10, -3),
      trial(1, 'completed', -10, 5),
      trial(2, 'completed', 0, 1),
      // Not compared: a failed or running trial's missing evaluation does not demote the rest.
      trial(3, 'failed'),
      trial(4, 'running', 99),
    ]);
    expect(r.criterion).toBe('eval_reward');
    expect(keys(r.ranked)).toEqual(['t-1', 't-2', 't-0']);
    expect(r.best?.trialKey).toBe('t-1');
  });

  it('falls back to the training reward for all when one completed trial has no evaluation', () => {
    const r = rankTrials([
      trial(0, 'completed', 10, -3),
      trial(1, 'completed', -10, 5),
      trial(2, 'completed', 0),
    ]);
    expect(r.criterion).toBe('mean_episode_reward');
    expect(keys(r.ranked)).toEqual(['t-0', 't-2', 't-1']);
    expect(r.best?.trialKey).toBe('t-0');
  });

  it('ranks by training reward without any evaluation; trials without a reward go last, in index order', () => {
    const r = rankTrials([
      trial(0, 'completed', null),
      trial(1, 'completed', 2),
      trial(2, 'completed'),
      trial(3, 'completed', 7),
      trial(4, 'pending'),
    ]);
    expect(r.criterion).toBe('mean_episode_reward');
    expect(keys(r.ranked)).toEqual(['t-3', 't-1', 't-0', 't-2']);
    expect(r.best?.trialKey).toBe('t-3');
  });

  it('breaks ties by index, then key, whatever order the trials come in', () => {
    const a = [trial(2, 'completed', 1, 4), trial(0, 'completed', 3, 4), trial(1, 'completed', 2, 4)];
    expect(keys(rankTrials(a).ranked)).toEqual(['t-0', 't-1', 't-2']);
    expect(keys(rankTrials([...a].reverse()).ranked)).toEqual(['t-0', 't-1', 't-2']);
    const sameIndex = [
      { ...trial(0, 'completed', 1), trialKey: 'b' },
      { ...trial(0, 'completed', 1), trialKey: 'a' },
    ];
    expect(keys(rankTrials(sameIndex).ranked)).toEqual(['a', 'b']);
  });

  it('has no best when nothing completed, or no completed trial has a reward', () => {
    expect(rankTrials([]).best).toBeUndefined();
    expect(rankTrials([trial(0, 'failed'), trial(1, 'running', 3)])).toMatchObject({
      criterion: 'mean_episode_reward',
      ranked: [],
      best: undefined,
    });
    const r = rankTrials([trial(0, 'completed', null)]);
    expect(keys(r.ranked)).toEqual(['t-0']);
    expect(r.best).toBeUndefined();
  });

  it('ignores a non-finite evaluation reward (it cannot be compared)', () => {
    const r = rankTrials([trial(0, 'completed', 1, Number.NaN), trial(1, 'completed', 2, 0)]);
    expect(r.criterion).toBe('mean_episode_reward');
    expect(r.best?.trialKey).toBe('t-1');
  });

  it('does not reorder the caller’s array', () => {
    const a = [trial(0, 'completed', 1), trial(1, 'completed', 2)];
    rankTrials(a);
    expect(keys(a)).toEqual(['t-0', 't-1']);
  });
});

describe('rankSearchTrials', () => {
  const search = (
    index: number,
    status: SearchTrial['status'],
    value?: number,
    evalReward?: number,
  ): SearchTrial => ({
    trialKey: `s-${index}`,
    index,
    params: {},
    status,
    curve: [],
    rungs: {},
    ...(value !== undefined ? { value } : {}),
    ...(evalReward !== undefined ? { evalReward } : {}),
  });

  it('ranks completed trials by value, or by evaluation when all have one; pruned trials never rank', () => {
    const trials = [search(0, 'completed', 1, 9), search(1, 'completed', 5, 2), search(2, 'pruned', 100)];
    const r = rankSearchTrials(trials);
    expect(r.criterion).toBe('eval_reward');
    expect(r.ranked).toEqual([trials[0], trials[1]]);
    expect(r.best).toBe(trials[0]);
    const plain = rankSearchTrials([search(0, 'completed', 1), search(1, 'completed', 5, 2)]);
    expect(plain.criterion).toBe('mean_episode_reward');
    expect(plain.best?.trialKey).toBe('s-1');
  });
});

describe('rewardColumns', () => {
  it('names the training reward, adds the evaluation reward when any trial has it, and stars the ranking one', () => {
    const evaluated = [trial(0, 'completed', 1.5, 2.25), trial(1, 'failed')];
    const c = rewardColumns(evaluated, rankTrials(evaluated).criterion);
    expect(c.header).toEqual(['train reward', 'eval reward (★ ranks)']);
    expect(c.cells(evaluated[0]!, (x) => x.toFixed(2))).toEqual(['1.50', '2.25']);
    expect(c.cells(evaluated[1]!, (x) => x.toFixed(2))).toEqual(['', '']);

    const plain = [trial(0, 'completed', 1.5)];
    const p = rewardColumns(plain, rankTrials(plain).criterion);
    expect(p.header).toEqual(['train reward (★ ranks)']);
    expect(p.cells(plain[0]!, (x) => x.toFixed(1))).toEqual(['1.5']);
  });
});
