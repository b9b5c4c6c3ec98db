/** `migflow cache ls` names entries for people; the hash stays the id. */
import { describe, expect, it } from 'vitest';
import { cacheLabel } from '../../../cli/commands/cache.js';

describe('cache ls labels', () => {
  it("shows a grid trial's own values first, then the run-wide overrides", () => {
    expect(
      cacheLabel('train', {
        overrides: { 'training.PPO.n_steps': 256, 'training.reward.affinity_bonus_weight': 0.1 },
        seed: 0,
      }),
    ).toBe('affinity_bonus_weight=0.1 n_steps=256');
    expect(cacheLabel('train', { overrides: {} })).toBe('defaults');
  });

  it('names bench, profiling and dataset entries', () => {
    expect(cacheLabel('bench', { policy: 'heuristic', runName: null })).toBe('heuristic');
    expect(cacheLabel('bench', { policy: 'rl', runName: 'abc-rl_model_128_steps' })).toBe(
      'rl abc-rl_model_128_steps',
    );
    expect(cacheLabel('profiling', { model: 'qwen2.5-3b-instruct', profile: '1g.10gb' })).toBe(
      'qwen2.5-3b-instruct 1g.10gb',
    );
    expect(cacheLabel('datasets', { kind: 'rag' })).toBe('rag');
    expect(cacheLabel('fit', {})).toBe('');
  });
});
