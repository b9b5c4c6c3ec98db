/** `migflow train`'s console: SB3's per-update table and an ETA that does not swing with PPO's rhythm. */
import { describe, expect, it } from 'vitest';
import { formatDuration, SteadyEta } from '../../../cli/commands/train.js';
import { sb3Table, sb3Value } from '../../../cli/lib/sb3-table.js';

describe("SB3's per-update table", () => {
  it('formats values as SB3 does (%.3g, integers as they are)', () => {
    expect(sb3Value(59)).toBe('59');
    expect(sb3Value(-0.000884123)).toBe('-0.000884');
    expect(sb3Value(3.863638e-6)).toBe('3.86e-06');
    expect(sb3Value(5e-5)).toBe('5e-05');
    expect(sb3Value(-723.749)).toBe('-724');
    expect(sb3Value(0.06255706)).toBe('0.0626');
    expect(sb3Value(12345.6)).toBe('1.23e+04');
  });

  it('groups keys under rollout/, time/, train/ in a dashed box', () => {
    const table = sb3Table([
      { tag: 'train/value_loss', value: 5.9 },
      { tag: 'rollout/ep_rew_mean', value: -148.2 },
      { tag: 'time/fps', value: 80 },
      { tag: 'train/approx_kl', value: 4.56e-6 },
    ]);
    expect(table.split('\n')).toEqual([
      '------------------------------',
      '| rollout/        |          |',
      '|     ep_rew_mean | -148     |',
      '| time/           |          |',
      '|     fps         | 80       |',
      '| train/          |          |',
      '|     approx_kl   | 4.56e-06 |',
      '|     value_loss  | 5.9      |',
      '------------------------------',
    ]);
  });
});

describe('ETA', () => {
  it("uses the run's average rate, so a pause for the PPO update does not make it jump", () => {
    const eta = new SteadyEta();
    expect(eta.update(0, 1000, 0)).toBe('—');
    // 100 steps in 1 s of collection, then a 4 s update with no steps, then 100 more in 1 s.
    expect(eta.update(100, 1000, 1000)).toBe('9s');
    expect(eta.update(100, 1000, 5000)).toBe('45s');
    expect(eta.update(200, 1000, 6000)).toBe('24s');
    expect(formatDuration(3725)).toBe('1h 02m');
    expect(formatDuration(185)).toBe('3m 05s');
  });
});
