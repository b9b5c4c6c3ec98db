import { describe, expect, it } from 'vitest';
import {
  A100_40GB,
  B200,
  hardwareProfileByName,
  hardwareProfileOf,
  identifyState,
  oneHotPosition,
  profileIdx,
  profileSize,
  STATE_IDS,
  sliceLayout,
  stateLayout,
  usedLogicalProfiles,
  validStates,
} from '../../../core/mig/index.js';

describe('geometry states', () => {
  it('numbers the one-hot positions 0..14 by ascending state id', () => {
    expect(STATE_IDS.map(oneHotPosition)).toEqual([...Array(15).keys()]);
    expect(oneHotPosition(19)).toBe(14);
    expect(oneHotPosition(8)).toBe(4);
  });

  it('lays instances out left to right over the 7 slices', () => {
    expect(sliceLayout(3)).toEqual([[0, 1, 2, 3], [4, 5], [6]]);
    expect(sliceLayout(10)).toEqual([[0], [1], [2, 3], [4, 5, 6]]);
    expect(sliceLayout(17)).toEqual([[0], [1], [2], [3], [4, 5], [6]]);
    for (const id of STATE_IDS) {
      expect(stateLayout(id).reduce((s, p) => s + profileSize(p), 0)).toBe(7);
    }
  });

  it('recognises a state from its multiset with the first-match rule (10→9, 14→13, 16→15, 17→15)', () => {
    for (const id of STATE_IDS) {
      const expected = ({ 10: 9, 14: 13, 16: 15, 17: 15 } as Record<number, number>)[id] ?? id;
      expect(identifyState([...stateLayout(id)].reverse()), `state ${id}`).toBe(expected);
    }
    expect(identifyState(['3G', '2G', '1S', '1S'])).toBe(9);
    expect(identifyState(['2G', '2G'])).toBeUndefined();
    expect(identifyState(['7G', '1S'])).toBeUndefined();
  });
});

describe('hardware profile sets', () => {
  it('names A100 and B200 profiles as size g . vram gb', () => {
    expect(A100_40GB.profiles.map((p) => p.name)).toEqual([
      '7g.40gb',
      '4g.20gb',
      '3g.20gb',
      '2g.10gb',
      '1g.10gb',
      '1g.5gb',
    ]);
    expect(B200.profiles.map((p) => p.name)).toEqual([
      '7g.180gb',
      '4g.90gb',
      '3g.90gb',
      '2g.45gb',
      '1g.45gb',
      '1g.23gb',
    ]);
    expect(hardwareProfileOf(B200, '1S')).toMatchObject({ sizeSlices: 1, vramGb: 23 });
    expect(hardwareProfileByName(A100_40GB, '1g.10gb')?.logical).toBe('1L');
    expect(hardwareProfileByName(A100_40GB, '1g.23gb')).toBeUndefined();
    expect(['7G', '4G', '3G', '2G', '1L', '1S'].map((p) => profileIdx(p as never))).toEqual([
      0, 1, 2, 3, 4, 5,
    ]);
  });

  it('derives valid states: all 15 on B200, {1,2,3,8,12} on A100 where 1S is unsupported', () => {
    expect(validStates(B200)).toEqual(STATE_IDS);
    expect(validStates(A100_40GB)).toEqual([1, 2, 3, 8, 12]);
    expect(usedLogicalProfiles(A100_40GB)).toEqual(['7G', '4G', '3G', '2G', '1L']);
    expect(usedLogicalProfiles(B200)).toHaveLength(6);
  });
});
