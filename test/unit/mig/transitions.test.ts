import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  type LogicalProfile,
  legalTargets,
  STATE_IDS,
  stateLayout,
  TRANSITIONS,
  transitionBetween,
} from '../../../core/mig/index.js';

interface FixturePair {
  src: number;
  dst: number;
  kind: 'split' | 'merge';
  consumed: LogicalProfile[];
  produced: LogicalProfile[];
}
const fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/mig/transitions.json', import.meta.url), 'utf8'),
) as { pairs: FixturePair[] };

const sorted = (xs: readonly string[]) => [...xs].sort();

describe('MIG transition table', () => {
  it('has the 96 pairs of the reference geometry matrix: 48 splits and 48 merges', () => {
    expect(TRANSITIONS).toHaveLength(96);
    expect(TRANSITIONS.filter((t) => t.kind === 'split')).toHaveLength(48);
    expect(TRANSITIONS.filter((t) => t.kind === 'merge')).toHaveLength(48);
  });

  it('equals the pairs and kinds of the geometry matrix fixture exactly', () => {
    const ours = TRANSITIONS.map((t) => `${t.from}>${t.to}:${t.kind}`).sort();
    const theirs = fixture.pairs.map((p) => `${p.src}>${p.dst}:${p.kind}`).sort();
    expect(fixture.pairs).toHaveLength(96);
    expect(ours).toEqual(theirs);
  });

  it('consumes and produces the profiles the matrix names for every pair', () => {
    for (const p of fixture.pairs) {
      const t = transitionBetween(p.src as never, p.dst as never);
      expect(t, `${p.src}->${p.dst}`).toBeDefined();
      const fromLayout = stateLayout(t!.from);
      const toLayout = stateLayout(t!.to);
      const consumed = t!.sourceIndices.map((i) => fromLayout[i]!);
      const produced = t!.targetIndices.map((i) => toLayout[i]!);
      expect(sorted(consumed), `${p.src}->${p.dst} consumed`).toEqual(sorted(p.consumed));
      expect(sorted(produced), `${p.src}->${p.dst} produced`).toEqual(sorted(p.produced));
    }
  });

  it('keeps every instance outside the changed ones in place, so slices are conserved', () => {
    for (const t of TRANSITIONS) {
      const from = stateLayout(t.from);
      const to = stateLayout(t.to);
      const kept = from.filter((_, i) => !t.sourceIndices.includes(i));
      const rest = to.filter((_, i) => !t.targetIndices.includes(i));
      expect(sorted(kept), `${t.from}->${t.to}`).toEqual(sorted(rest));
      if (t.kind === 'split') expect(t.sourceIndices).toHaveLength(1);
      else expect(t.targetIndices).toHaveLength(1);
    }
  });

  it('has no self-transition and lists the legal targets of state 8', () => {
    for (const s of STATE_IDS) expect(transitionBetween(s, s)).toBeUndefined();
    expect(legalTargets(8)).toEqual([1, 2, 9, 10, 12]);
    expect(transitionBetween(8, 10)).toMatchObject({
      kind: 'split',
      sourceIndices: [0],
      targetIndices: [0, 1],
    });
    expect(transitionBetween(8, 9)).toMatchObject({
      kind: 'split',
      sourceIndices: [1],
      targetIndices: [1, 2],
    });
    expect(transitionBetween(19, 11)).toMatchObject({
      kind: 'merge',
      sourceIndices: [4, 5, 6],
      targetIndices: [4],
    });
    expect(transitionBetween(2, 12)).toBeUndefined();
  });
});
