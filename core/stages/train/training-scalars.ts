/**
 * The scalars SB3's PPO sends to TensorBoard once per rollout, under its tag names, from migflow's update and
 * episode records (the same series as logs/updates.jsonl and logs/episodes.jsonl), and SB3's `time/*` from the
 * updates' own timings, so a replay after a resume writes the same values again.
 */
import type { EpisodeRecord, RolloutRecord, UpdateRecord } from '../../rl/index.js';
import type { Scalar } from './tensorboard-events.js';

/** SB3's `ep_info_buffer` holds the last 100 episodes. */
const EPISODE_WINDOW = 100;

type Timing = Pick<UpdateRecord, 'update' | 'steps' | 'rolloutSteps' | 'collectS' | 'updateS'>;

/**
 * SB3's `time/fps`, `time/time_elapsed`, `time/iterations` and `time/total_timesteps` at update `u`: elapsed is the
 * collection and update time of every update up to `u` (across resumes; the time between runs is not training),
 * fps the steps of those rollouts over it (SB3 logs it as an integer).
 */
export function timeScalars(u: Timing, history: readonly Timing[]): Scalar[] {
  const upTo = history.filter((h) => h.steps <= u.steps);
  const elapsed = upTo.reduce((s, h) => s + h.collectS + h.updateS, 0);
  const steps = upTo.reduce((s, h) => s + h.rolloutSteps, 0);
  const step = u.steps;
  return [
    { tag: 'time/fps', value: elapsed > 0 ? Math.floor(steps / elapsed) : 0, step },
    { tag: 'time/time_elapsed', value: Math.floor(elapsed), step },
    { tag: 'time/iterations', value: u.update, step },
    { tag: 'time/total_timesteps', value: u.steps, step },
  ];
}

/**
 * SB3's train/* and rollout/* scalars of update `u`. `train/n_updates` is SB3's count of gradient epochs so far (the
 * epochs of every update in `history` up to `u`); `train/clip_range` is logged when given.
 */
export function updateScalars(
  u: UpdateRecord,
  episodes: readonly EpisodeRecord[],
  history: readonly (Timing & Pick<UpdateRecord, 'epochs'>)[] = [u],
  clipRange?: number,
): Scalar[] {
  const step = u.steps;
  const out: Scalar[] = [];
  const recent = episodes.filter((e) => e.steps <= step).slice(-EPISODE_WINDOW);
  if (recent.length > 0) {
    out.push({ tag: 'rollout/ep_rew_mean', value: recent.at(-1)!.meanReward100, step });
    out.push({
      tag: 'rollout/ep_len_mean',
      value: recent.reduce((s, e) => s + e.length, 0) / recent.length,
      step,
    });
  }
  const train: [string, number][] = [
    ['train/policy_gradient_loss', u.policyLoss],
    ['train/value_loss', u.valueLoss],
    ['train/entropy_loss', u.entropyLoss],
    ['train/approx_kl', u.approxKl],
    ['train/clip_fraction', u.clipFraction],
    ['train/loss', u.loss],
    ['train/explained_variance', u.explainedVariance],
    ['train/learning_rate', u.learningRate],
    ['train/n_updates', history.filter((h) => h.steps <= step).reduce((n, h) => n + h.epochs, 0)],
  ];
  if (clipRange !== undefined) train.push(['train/clip_range', clipRange]);
  for (const [tag, value] of train) out.push({ tag, value, step });
  out.push(...timeScalars(u, history));
  return out;
}

/** SB3 EvalCallback's scalars for one held-out evaluation, at the checkpoint's step. */
export function evalScalars(e: { steps: number; meanReward: number; decisions: number }): Scalar[] {
  return [
    { tag: 'eval/mean_reward', value: e.meanReward, step: e.steps },
    { tag: 'eval/mean_ep_length', value: e.decisions, step: e.steps },
  ];
}

/**
 * One rollout's exploration and credit diagnostics (core/rl/rollout-diagnostics.ts) under `diagnostics/*` (not SB3
 * tags: SB3 has no such series), at the step of the update that follows.
 */
export function rolloutScalars(r: RolloutRecord): Scalar[] {
  const step = r.steps;
  const series: [string, number][] = [
    ['diagnostics/choice_share', r.choiceShare],
    ['diagnostics/acted_share', r.actedShare],
    ['diagnostics/choice_entropy', r.choiceEntropy],
    ['diagnostics/choice_max_prob', r.choiceMaxProb],
    ['diagnostics/choice_near_deterministic_share', r.choiceNearDeterministicShare],
    ['diagnostics/advantage_std', r.advantageStd],
    ['diagnostics/advantage_abs_mean', r.advantageAbsMean],
    ['diagnostics/value_loss_before', r.valueLossBefore],
  ];
  return series.filter(([, v]) => Number.isFinite(v)).map(([tag, value]) => ({ tag, value, step }));
}
