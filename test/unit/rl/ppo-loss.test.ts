import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { ActorCriticPolicy } from '../../../core/rl/policy.js';
import { explainedVariance, type PpoBatch, ppoLoss } from '../../../core/rl/ppo.js';
import { useTfBackend } from './tf-setup.js';

useTfBackend();

/**
 * A linear policy (no hidden layers) with hand-set weights: logits(obs0) = [0, 1, 2], logits(obs1) = [1, 0, 0]
 * with action 2 masked, values [0.5, −1]. Old log-probabilities are chosen so the ratios are 1.5 and 0.9.
 */
function tinyCase() {
  const policy = new ActorCriticPolicy({ obsSize: 2, actionCount: 3, netArch: { pi: [], vf: [] } }, 1);
  policy.piHead.kernel.assign(
    tf.tensor2d([
      [0, 1, 2],
      [1, 0, 0],
    ]),
  );
  policy.vfHead.kernel.assign(tf.tensor2d([[0.5], [-1]]));
  const logp0 = -0.40760596444438046;
  const logp1 = -0.3132616875182228;
  const batch: PpoBatch = {
    obs: tf.tensor2d([
      [1, 0],
      [0, 1],
    ]),
    actions: tf.tensor1d([2, 0], 'int32'),
    masks: tf.tensor2d(
      [
        [1, 1, 1],
        [1, 1, 0],
      ],
      undefined,
      'int32',
    ),
    oldLogProb: tf.tensor1d([logp0 - Math.log(1.5), logp1 - Math.log(0.9)]),
    oldValues: tf.tensor1d([0.2, -0.5]),
    advantages: tf.tensor1d([1, -1]),
    returns: tf.tensor1d([1, -1]),
  };
  return { policy, batch };
}

const hp = { clipRange: 0.2, clipRangeVf: 0.2, entCoef: 0.005, vfCoef: 0.5, normalizeAdvantage: false };

describe('PPO loss on a tiny batch (hand-computed)', () => {
  it('clipped surrogate, clipped value loss, entropy, KL and clip fraction', () => {
    const { policy, batch } = tinyCase();
    const t = ppoLoss(policy, batch, hp);
    // Ratio 1.5 with A = 1 is clipped to 1.2; ratio 0.9 with A = −1 is inside the band: −mean(1.2, −0.9).
    expect(t.policyLoss.dataSync()[0]).toBeCloseTo(-0.15, 5);
    // Values 0.5, −1 move at most 0.2 from the old 0.2, −0.5: predictions 0.4, −0.7; MSE to 1, −1.
    expect(t.valueLoss.dataSync()[0]).toBeCloseTo(0.225, 5);
    // −mean(H(softmax[0,1,2]), H(softmax[1,0])) — the masked action is not in the second entropy.
    expect(t.entropyLoss.dataSync()[0]).toBeCloseTo(-0.7072993, 5);
    expect(t.approxKl.dataSync()[0]).toBeCloseTo(0.0499477, 5);
    expect(t.clipFraction.dataSync()[0]).toBeCloseTo(0.5, 6);
    expect(t.loss.dataSync()[0]).toBeCloseTo(-0.15 + 0.005 * -0.7072993 + 0.5 * 0.225, 5);
    policy.dispose();
  });

  it('normalises advantages with the unbiased std before the surrogate', () => {
    const { policy, batch } = tinyCase();
    const t = ppoLoss(policy, batch, { ...hp, normalizeAdvantage: true });
    // A = ±1 → ±1/√2: −mean(1.2/√2, −0.9/√2).
    expect(t.policyLoss.dataSync()[0]).toBeCloseTo(-0.106066, 5);
    policy.dispose();
  });

  it('without the value clip the value loss is the plain MSE', () => {
    const { policy, batch } = tinyCase();
    const t = ppoLoss(policy, batch, { ...hp, clipRangeVf: undefined });
    expect(t.valueLoss.dataSync()[0]).toBeCloseTo(((1 - 0.5) ** 2 + 0) / 2, 5);
    policy.dispose();
  });
});

describe('explained variance', () => {
  it('is 1 for perfect predictions, 0 for the mean, NaN for constant targets', () => {
    expect(explainedVariance([1, 2, 3], [1, 2, 3])).toBe(1);
    expect(explainedVariance([2, 2, 2], [1, 2, 3])).toBeCloseTo(0, 12);
    expect(explainedVariance([1, 2, 3], [5, 5, 5])).toBeNaN();
  });
});
