import { describe, expect, it } from 'vitest';
import { bannerText, reconfigRecovery } from '../../../core/bench/index.js';
import {
  formatAvgQueue,
  formatProfileShares,
  formatRecovery,
  formatTtft,
  percentiles,
} from '../../../core/report/index.js';
import type { ReconfigEpisode } from '../../../core/sim/index.js';
import { activePattern, type WorkloadPhase } from '../../../core/workload/index.js';

const episode = (o: Partial<ReconfigEpisode> & { tTriggerS: number }): ReconfigEpisode => ({
  agent: 0,
  actionType: 'transfer',
  isReceiver: false,
  seenActivity: true,
  tDrainDoneS: null,
  tBootDoneS: null,
  interrupted: false,
  ...o,
});
const busyAllRun: WorkloadPhase[] = [{ pattern: 'busy', startS: 0, durationS: 1e6, avgRatePerS: 4 }];

describe('metric rows (spec §9 check 8)', () => {
  it('formats TTFT P25/50/75/99 and TPOT P25/50/75 with numpy-linear percentiles', () => {
    expect(formatTtft(percentiles([0.2, 0.4, 1.0, 3.0], [25, 50, 75, 99]))).toBe('0.350/0.700/1.500/2.940');
    expect(formatTtft(percentiles([0.02, 0.03, 0.05], [25, 50, 75]))).toBe('0.025/0.030/0.040');
    expect(formatTtft(percentiles([], [25, 50, 75, 99]))).toBe('0.000/0.000/0.000/0.000');
    expect(formatAvgQueue(2048 / 1024)).toBe('2.000');
  });

  it('shows engine-steps per profile (six 1S all run + one flush step → 600.6%) and token shares', () => {
    const existence = [0, 0, 0, 0, 0, ((6 * 1025) / 1024) * 100];
    expect(formatProfileShares(existence).split('\n')).toEqual([
      '7G: 0.0%',
      '4G: 0.0%',
      '3G: 0.0%',
      '2G: 0.0%',
      '1L: 0.0%',
      '1S: 600.6%',
    ]);
    expect(formatProfileShares([25, 0, 0, 75, 0, 0]).split('\n')[3]).toBe('2G: 75.0%');
    expect(formatProfileShares(null)).toBe('');
  });

  it('recovery: one usable episode of 90 s, the next one never booted', () => {
    const [rc] = reconfigRecovery({
      episodes: [
        episode({ tTriggerS: 1200, tDrainDoneS: 1210, tBootDoneS: 1275 }),
        episode({ tTriggerS: 1500 }),
      ],
      agentNames: ['CodingAgent'],
      queueTraces: [
        [
          [1200, 5],
          [1250, 3],
          [1290, 0],
          [1300, 0],
        ],
      ],
      phases: [busyAllRun],
      finalTimeS: 5000,
    });
    expect(formatRecovery(rc!)).toBe(
      'clear P25/50/75/90:\n  90.0/90.0/90.0/90.0\nmax: 90s\nn=1/2\n  overlap 1, pattern 0\n  uncleared 0',
    );
  });

  it('recovery cell is "0/3 usable (3 dropped)" when every episode is dropped and "n/a" with none', () => {
    const [rc] = reconfigRecovery({
      episodes: [
        episode({ tTriggerS: 100, interrupted: true, tDrainDoneS: 110, tBootDoneS: 150 }),
        // Pattern changes between trigger and boot.
        episode({ tTriggerS: 3000, tDrainDoneS: 3010, tBootDoneS: 3700 }),
        // Never clears within the window.
        episode({ tTriggerS: 8000, tDrainDoneS: 8010, tBootDoneS: 8050 }),
      ],
      agentNames: ['RAGAgent'],
      queueTraces: [
        [
          [8000, 4],
          [8500, 2],
        ],
      ],
      phases: [
        [
          { pattern: 'idle', startS: 0, durationS: 3600, avgRatePerS: 0.3 },
          { pattern: 'busy', startS: 3600, durationS: 1e6, avgRatePerS: 5 },
        ],
      ],
      finalTimeS: 10000,
    });
    expect(rc).toMatchObject({
      nEpisodes: 3,
      nOverlapping: 1,
      nPatternShift: 1,
      nUncleared: 1,
      nAnalyzed: 0,
    });
    expect(formatRecovery(rc!)).toBe('0/3 usable (3 dropped)');
    const [none] = reconfigRecovery({
      episodes: [],
      agentNames: ['RAGAgent'],
      queueTraces: [[]],
      phases: [busyAllRun],
      finalTimeS: 1,
    });
    expect(formatRecovery(none!)).toBe('n/a');
  });

  it('active pattern: earlier phase wins at a boundary, 1e-5 s tolerance, last pattern after the end (check 10)', () => {
    const phases: WorkloadPhase[] = [
      { pattern: 'busy', startS: 0, durationS: 100, avgRatePerS: 4 },
      { pattern: 'idle', startS: 100, durationS: 50, avgRatePerS: 0.3 },
    ];
    expect(activePattern(phases, 100)).toBe('busy');
    expect(activePattern(phases, 100.000005)).toBe('busy');
    expect(activePattern(phases, 100.00002)).toBe('idle');
    expect(activePattern(phases, 400)).toBe('idle');
  });

  it('banner centres the mode name in 58 columns, the odd space on the right', () => {
    const lines = bannerText(['BASELINE_HEURISTIC']).split('\n');
    expect(lines[1]).toBe('#'.repeat(60));
    expect(lines[2]).toBe(`#${' '.repeat(20)}BASELINE_HEURISTIC${' '.repeat(20)}#`);
    expect(bannerText(['ODD']).split('\n')[2]).toBe(`#${' '.repeat(27)}ODD${' '.repeat(28)}#`);
  });
});
