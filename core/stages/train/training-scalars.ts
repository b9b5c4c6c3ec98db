/**
 * The scalars SB3's PPO sends to TensorBoard once per rollout, under its tag names, from migflow's update and
 * episode records (the same series as logs/updates.jsonl and logs/episodes.jsonl).
 */
import type { EpisodeRecord, UpdateRecord } from '../../rl/index.js';
import type { Scalar } from './tensorboard-events.js';

/** SB3's `ep_info_buffer` holds the last 100 episodes. */
const EPISODE_WINDOW = 100;

export function updateScalars(u: UpdateRecord, episodes: readonly EpisodeRecord[]): Scalar[] {
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
  ];
  for (const [tag, value] of train) out.push({ tag, value, step });
  return out;
}
