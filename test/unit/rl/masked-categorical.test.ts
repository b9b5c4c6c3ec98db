import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { logProbOf, maskedEntropy, maskLogits, sampleMasked } from '../../../core/rl/masked-categorical.js';
import { ActorCriticPolicy } from '../../../core/rl/policy.js';
import { SavableRng } from '../../../core/rl/rng.js';
import { useTfBackend } from './tf-setup.js';

useTfBackend();

describe('masked categorical distribution', () => {
  it('never samples a masked action, even one with by far the largest logit', () => {
    const logits = Float32Array.from([0.5, 40, -1, 30, 0]);
    const mask = Uint8Array.from([1, 0, 1, 0, 1]);
    const rng = new SavableRng(1);
    const counts = [0, 0, 0, 0, 0];
    for (let i = 0; i < 20_000; i++) counts[sampleMasked(logits, mask, rng.random()).action]!++;
    expect(counts[1]).toBe(0);
    expect(counts[3]).toBe(0);
    // The valid actions keep their softmax shares: e^0.5 : e^-1 : e^0 = 0.5465 : 0.1220 : 0.3315.
    expect(counts[0]! / 20_000).toBeCloseTo(0.5465, 1);
    expect(counts[2]! / 20_000).toBeCloseTo(0.122, 1);
    expect(counts[4]! / 20_000).toBeCloseTo(0.3315, 1);
  });

  it('the policy never picks a masked action over many random observations and masks', () => {
    const policy = new ActorCriticPolicy({ obsSize: 8, actionCount: 12, netArch: { pi: [16], vf: [16] } }, 3);
    const rng = new SavableRng(2);
    for (let i = 0; i < 300; i++) {
      const obs = Float32Array.from({ length: 8 }, () => rng.gauss(0, 3));
      const mask = Uint8Array.from({ length: 12 }, (_, a) => (a === 0 || rng.random() < 0.3 ? 1 : 0));
      const { action, logProb } = policy.act(obs, mask, rng.random());
      expect(mask[action]).toBe(1);
      expect(logProb).toBeLessThanOrEqual(0);
      expect(mask[policy.act(obs, mask, 0, true).action]).toBe(1);
    }
    policy.dispose();
  });

  it('log-probabilities and entropy count only valid actions (hand-computed)', () => {
    const logits = tf.tensor2d([
      [0, 1, 2],
      [1, 0, 7],
    ]);
    const mask = tf.tensor2d(
      [
        [1, 1, 1],
        [1, 1, 0],
      ],
      undefined,
      'int32',
    );
    const masked = maskLogits(logits, mask);
    const lp = logProbOf(masked, tf.tensor1d([2, 0], 'int32')).arraySync();
    // log softmax([0,1,2])[2] and log softmax([1,0])[0]; the masked logit 7 plays no part.
    expect(lp[0]).toBeCloseTo(-0.407606, 5);
    expect(lp[1]).toBeCloseTo(-0.313262, 5);
    const h = maskedEntropy(masked, mask).arraySync();
    expect(h[0]).toBeCloseTo(0.832396, 5);
    expect(h[1]).toBeCloseTo(0.582203, 5);
    const probs = tf.softmax(masked).arraySync();
    expect(probs[1]![2]).toBe(0);
    tf.dispose([logits, mask, masked]);
  });
});
