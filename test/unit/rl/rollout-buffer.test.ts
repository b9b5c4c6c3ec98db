import { describe, expect, it } from 'vitest';
import { SavableRng } from '../../../core/rl/rng.js';
import { computeGae, RolloutBuffer } from '../../../core/rl/rollout-buffer.js';

const base = {
  rewards: [1, 0, 2],
  values: [0.5, 0.4, 0.3],
  lastValue: 0.2,
  gamma: 0.9,
  gaeLambda: 0.8,
};

describe('GAE(λ)', () => {
  it('matches the hand-computed recursion within one episode, bootstrapping the last value', () => {
    // δ2 = 2 + 0.9·0.2 − 0.3 = 1.88; δ1 = 0.9·0.3 − 0.4 = −0.13, A1 = δ1 + 0.72·1.88 = 1.2236;
    // δ0 = 1 + 0.9·0.4 − 0.5 = 0.86, A0 = 0.86 + 0.72·1.2236 = 1.740992.
    const { advantages, returns } = computeGae({ ...base, episodeStarts: [1, 0, 0], lastDone: false });
    expect([...advantages].map((x) => +x.toFixed(5))).toEqual([1.74099, 1.2236, 1.88]);
    expect([...returns].map((x) => +x.toFixed(5))).toEqual([2.24099, 1.6236, 2.18]);
  });

  it('does not bootstrap across an episode start or past a terminal last step', () => {
    // Step 2 starts a new episode: A1 = −0.4 (no next value), A0 = 0.86 + 0.72·(−0.4) = 0.572.
    // The last step ended its episode: δ2 = 2 − 0.3 = 1.7.
    const { advantages } = computeGae({ ...base, episodeStarts: [1, 0, 1], lastDone: true });
    expect([...advantages].map((x) => +x.toFixed(5))).toEqual([0.572, -0.4, 1.7]);
  });
});

describe('RolloutBuffer', () => {
  it('stores masks beside observations and yields every index exactly once per epoch', () => {
    const b = new RolloutBuffer(10, 2, 3);
    for (let i = 0; i < 10; i++) {
      b.add(Float32Array.from([i, -i]), Uint8Array.from([1, i % 2, 0]), i % 3, i, i === 0, 0, -1);
    }
    expect(b.full).toBe(true);
    expect([...b.observations.subarray(8, 10)]).toEqual([4, -4]);
    expect([...b.masks.subarray(12, 15)]).toEqual([1, 0, 0]);
    const rng = new SavableRng(1);
    const batches = b.minibatchIndices(4, () => rng.random());
    expect(batches.map((x) => x.length)).toEqual([4, 4, 2]);
    expect(batches.flatMap((x) => [...x]).sort((p, q) => p - q)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(() => b.add(new Float32Array(2), new Uint8Array(3), 0, 0, false, 0, 0)).toThrow(/full/);
  });
});
