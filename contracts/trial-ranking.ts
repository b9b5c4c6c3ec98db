/**
 * Which training trial is best: one rule for the grid's table and Web UI details, the pipeline's
 * `deploy.policy: best-checkpoint`, the search's result and the run report. A held-out evaluation reward
 * (training.evaluation) grades a trial on traffic it never trained on, so it ranks trials whenever every compared
 * trial has one; a mix would compare two different exams, so then (and without evaluation) the mean training
 * reward ranks them. Pure: the workflows use it in Temporal's sandbox, core and the CLI beside them.
 */

/** What a ranking (or a trial's best.json) was decided by. */
export type RewardCriterion = 'eval_reward' | 'mean_episode_reward';

/** How tables name each criterion's column. */
export const REWARD_CRITERION_COLUMN: Readonly<Record<RewardCriterion, string>> = {
  eval_reward: 'eval reward',
  mean_episode_reward: 'train reward',
};

/** How sentences name each criterion. */
export const REWARD_CRITERION_WORDS: Readonly<Record<RewardCriterion, string>> = {
  eval_reward: 'held-out evaluation reward',
  mean_episode_reward: 'training reward',
};

/** What a trial needs to be ranked (grid outcomes have it; search trials map their `value` to it). */
export interface RankableTrial {
  readonly trialKey: string;
  readonly index: number;
  readonly status: string;
  /** Mean of the last up-to-100 training episodes. */
  readonly meanEpisodeReward?: number | null;
  /** The held-out evaluation reward of the trial's best checkpoint (training.evaluation on). */
  readonly evalReward?: number | null;
}

export interface TrialRanking<T> {
  /** What ranked them. */
  readonly criterion: RewardCriterion;
  /**
   * The completed trials, best first; those without a value under the criterion after the rest, in index order.
   * Ties go to the lower index (then the key), so the order never depends on the order trials finished in.
   */
  readonly ranked: readonly T[];
  /** The first ranked trial when it has a value under the criterion. */
  readonly best: T | undefined;
}

const finite = (x: number | null | undefined): x is number => typeof x === 'number' && Number.isFinite(x);

/** The value a trial is ranked by under `criterion` (undefined when it has none). */
export function rankValue(t: RankableTrial, criterion: RewardCriterion): number | undefined {
  const v = criterion === 'eval_reward' ? t.evalReward : t.meanEpisodeReward;
  return finite(v) ? v : undefined;
}

/** The completed trials ranked by held-out evaluation reward when every one has it, else by training reward. */
export function rankTrials<T extends RankableTrial>(trials: readonly T[]): TrialRanking<T> {
  const completed = trials.filter((t) => t.status === 'completed');
  const criterion: RewardCriterion =
    completed.length > 0 && completed.every((t) => finite(t.evalReward))
      ? 'eval_reward'
      : 'mean_episode_reward';
  const ranked = completed.sort((a, b) => {
    const va = rankValue(a, criterion);
    const vb = rankValue(b, criterion);
    if (va !== undefined && vb !== undefined && va !== vb) return vb - va;
    if ((va === undefined) !== (vb === undefined)) return va === undefined ? 1 : -1;
    return a.index - b.index || (a.trialKey < b.trialKey ? -1 : a.trialKey > b.trialKey ? 1 : 0);
  });
  const top = ranked[0];
  return { criterion, ranked, best: top && rankValue(top, criterion) !== undefined ? top : undefined };
}

/**
 * Why the training reward ranks although some trials have a held-out evaluation reward (a mix: a trial trained with
 * `training.evaluation` off, or one whose run evaluated no checkpoint), naming the trials without one; undefined when
 * the ranking needs no explanation (every completed trial evaluated, or none).
 */
export function rankingNote(
  trials: readonly RankableTrial[],
  criterion: RewardCriterion,
): string | undefined {
  if (criterion !== 'mean_episode_reward') return undefined;
  const completed = trials.filter((t) => t.status === 'completed');
  const without = completed.filter((t) => !finite(t.evalReward));
  if (without.length === completed.length) return undefined;
  const shown = without.slice(0, 5).map((t) => t.trialKey);
  const names = `${shown.join(', ')}${without.length > shown.length ? ` and ${without.length - shown.length} more` : ''}`;
  return (
    `Ranked by ${REWARD_CRITERION_WORDS.mean_episode_reward}: ${without.length} of ${completed.length} completed ` +
    `trials have no ${REWARD_CRITERION_WORDS.eval_reward} (${names}), and a mix would compare two different exams — ` +
    'turn training.evaluation on for every trial (and train past its first evaluated checkpoint) to rank by it'
  );
}

/** A table's reward columns: training reward always, evaluation reward when any trial has it; the ranking one starred. */
export function rewardColumns(
  trials: readonly RankableTrial[],
  criterion: RewardCriterion,
): { header: string[]; cells: (t: RankableTrial, fmt: (x: number) => string) => string[] } {
  const withEval = trials.some((t) => finite(t.evalReward));
  const name = (c: RewardCriterion) => `${REWARD_CRITERION_COLUMN[c]}${c === criterion ? ' (★ ranks)' : ''}`;
  return {
    header: [name('mean_episode_reward'), ...(withEval ? [name('eval_reward')] : [])],
    cells: (t, fmt) => {
      const train = rankValue(t, 'mean_episode_reward');
      const ev = rankValue(t, 'eval_reward');
      return [train === undefined ? '' : fmt(train), ...(withEval ? [ev === undefined ? '' : fmt(ev)] : [])];
    },
  };
}
