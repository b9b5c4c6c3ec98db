import { describe, expect, it } from 'vitest';
import { EventKind, EventQueue } from '../../../core/sim/index.js';
import { seededTestRng } from '../../fixtures/sim/test-rng.js';

/** Pushed events carry a string payload; bulk events a numeric subject, shown as `b<subject>`. */
function drain(q: EventQueue<string>): string[] {
  const out: string[] = [];
  while (q.pop()) out.push(q.poppedPayload ?? `b${q.poppedSubject}`);
  return out;
}

describe('EventQueue', () => {
  it('orders equal times by kind: arrivals, searches, steps, trigger, then shutdown, boot, refresh', () => {
    const q = new EventQueue<string>();
    q.push(120, EventKind.RefreshActionBudget, 'refresh');
    q.push(120, EventKind.EngineBootComplete, 'boot');
    q.push(120, EventKind.EngineShutdownComplete, 'shutdown');
    q.push(120, EventKind.ResourceManagerTrigger, 'trigger');
    q.push(120, EventKind.EngineStepComplete, 'step');
    q.push(120, EventKind.RagSearchComplete, 'search');
    q.push(120, EventKind.RequestArrival, 'arrival');
    q.push(119.5, EventKind.RefreshActionBudget, 'earlier');
    expect(drain(q)).toEqual([
      'earlier',
      'arrival',
      'search',
      'step',
      'trigger',
      'shutdown',
      'boot',
      'refresh',
    ]);
  });

  it('keeps insertion order among events with the same time and kind', () => {
    const q = new EventQueue<string>();
    for (let i = 0; i < 50; i++) q.push(7, EventKind.EngineStepComplete, `s${i}`);
    expect(drain(q)).toEqual(Array.from({ length: 50 }, (_, i) => `s${i}`));
  });

  it('matches a stable sort by (time, kind) on random input, with cancellations skipped', () => {
    const rng = seededTestRng(3);
    const q = new EventQueue<string>();
    const all: { t: number; k: EventKind; id: string; cancelled: boolean; handle: number }[] = [];
    for (let i = 0; i < 3000; i++) {
      const t = Math.floor(rng.random() * 40);
      const k = Math.floor(rng.random() * 7) as EventKind;
      const id = `e${i}`;
      all.push({ t, k, id, cancelled: false, handle: q.push(t, k, id) });
    }
    for (const e of all) {
      if (rng.random() < 0.1) {
        q.cancel(e.handle);
        e.cancelled = true;
      }
    }
    const expected = all
      .filter((e) => !e.cancelled)
      .sort((a, b) => a.t - b.t || a.k - b.k)
      .map((e) => e.id);
    expect(q.size).toBe(expected.length);
    expect(drain(q)).toEqual(expected);
    expect(q.size).toBe(0);
  });

  it('orders bulk-added events exactly as if each had been pushed, interleaved with single pushes and pops', () => {
    const rng = seededTestRng(9);
    const q = new EventQueue<string>();
    // Naive model: every pending event with its insertion sequence; pop = minimum of (time, kind, seq).
    const model: { t: number; k: number; seq: number; id: string }[] = [];
    let seq = 0;
    const expected: string[] = [];
    const popped: string[] = [];
    const popBoth = () => {
      if (!q.pop()) return false;
      popped.push(q.poppedPayload ?? `b${q.poppedSubject}`);
      let best = 0;
      for (let i = 1; i < model.length; i++) {
        const x = model[i]!;
        const y = model[best]!;
        if (x.t < y.t || (x.t === y.t && (x.k < y.k || (x.k === y.k && x.seq < y.seq)))) best = i;
      }
      expected.push(model.splice(best, 1)[0]!.id);
      return true;
    };
    for (let round = 0; round < 15; round++) {
      const batch = Array.from({ length: 100 }, () => {
        const e = {
          timeS: round * 5 + Math.floor(rng.random() * 30),
          kind: (rng.random() < 0.5 ? 0 : 1) as EventKind,
          subject: seq,
        };
        model.push({ t: e.timeS, k: e.kind, seq: seq++, id: `b${e.subject}` });
        return e;
      });
      q.pushBulk(batch);
      for (let i = 0; i < 20; i++) {
        const t = round * 5 + Math.floor(rng.random() * 30);
        const k = Math.floor(rng.random() * 7) as EventKind;
        q.push(t, k, `s${seq}`);
        model.push({ t, k, seq, id: `s${seq}` });
        seq++;
      }
      for (let i = 0; i < 60; i++) popBoth();
    }
    while (popBoth()) {}
    expect(model.length).toBe(0);
    expect(popped.length).toBe(15 * 120);
    expect(popped).toEqual(expected);
  });

  it('counts pending events per kind for the "active work" test', () => {
    const q = new EventQueue<string>();
    const h = q.push(1, EventKind.RefreshActionBudget, 'r');
    q.push(2, EventKind.RequestArrival, 'a');
    q.cancel(h);
    expect(q.countOf(EventKind.RefreshActionBudget)).toBe(0);
    expect(q.countOf(EventKind.RequestArrival)).toBe(1);
    expect(q.peekKind()).toBe(EventKind.RequestArrival);
  });
});

describe('EventQueue bulk lane', () => {
  it('orders a batch made of sorted runs with many equal keys as a stable sort by (time, kind)', () => {
    const rng = seededTestRng(21);
    const q = new EventQueue<string>();
    // Three "agents" of sorted arrivals on a coarse grid (ties within and across runs), then unsorted searches.
    const batch: { timeS: number; kind: EventKind; subject: number }[] = [];
    for (let run = 0; run < 3; run++) {
      let t = 0;
      for (let i = 0; i < 400; i++) {
        t += Math.floor(rng.random() * 3);
        batch.push({ timeS: t, kind: EventKind.RequestArrival, subject: batch.length });
      }
    }
    for (let i = 0; i < 300; i++) {
      batch.push({
        timeS: Math.floor(rng.random() * 600),
        kind: EventKind.RagSearchComplete,
        subject: batch.length,
      });
    }
    q.pushBulk(batch);
    const expected = [...batch]
      .sort((a, b) => a.timeS - b.timeS || a.kind - b.kind)
      .map((e) => `b${e.subject}`);
    expect(drain(q)).toEqual(expected);
  });
});

describe('EventQueue bulk lanes', () => {
  it('pops batches of a few ordered runs (each its own lane) as one heap would, across many batches and pushes', () => {
    const rng = seededTestRng(33);
    const q = new EventQueue<string>();
    const model: { t: number; k: number; seq: number; id: string }[] = [];
    let seq = 0;
    const expected: string[] = [];
    const popped: string[] = [];
    const popBoth = () => {
      if (!q.pop()) return false;
      popped.push(q.poppedPayload ?? `b${q.poppedSubject}`);
      let best = 0;
      for (let i = 1; i < model.length; i++) {
        const x = model[i]!;
        const y = model[best]!;
        if (x.t < y.t || (x.t === y.t && (x.k < y.k || (x.k === y.k && x.seq < y.seq)))) best = i;
      }
      expected.push(model.splice(best, 1)[0]!.id);
      return true;
    };
    // Twelve batches (more lanes than the queue keeps apart, so it merges them too), each: two "agents" of sorted
    // arrivals on a coarse grid (ties within and across runs and batches), then searches a little after arrivals.
    for (let round = 0; round < 12; round++) {
      const batch: { timeS: number; kind: EventKind; subject: number }[] = [];
      for (let run = 0; run < 2; run++) {
        let t = round * 20;
        for (let i = 0; i < 150; i++) {
          t += Math.floor(rng.random() * 2);
          batch.push({ timeS: t, kind: EventKind.RequestArrival, subject: seq + batch.length });
        }
      }
      for (let i = 0; i < 150; i++) {
        batch.push({
          timeS: batch[i]!.timeS + Math.floor(rng.random() * 3),
          kind: EventKind.RagSearchComplete,
          subject: seq + batch.length,
        });
      }
      for (const e of batch) model.push({ t: e.timeS, k: e.kind, seq: seq++, id: `b${e.subject}` });
      q.pushBulk(batch);
      for (let i = 0; i < 30; i++) {
        const t = round * 20 + Math.floor(rng.random() * 60);
        const k = Math.floor(rng.random() * 7) as EventKind;
        q.push(t, k, `s${seq}`);
        model.push({ t, k, seq, id: `s${seq}` });
        seq++;
      }
      for (let i = 0; i < 200; i++) popBoth();
      expect(q.size).toBe(model.length);
    }
    const pending = new Map<string, number>();
    q.forEachPending((timeS, _kind, payload, subject) => pending.set(payload ?? `b${subject}`, timeS));
    expect(pending.size).toBe(model.length);
    for (const m of model) expect(pending.get(m.id)).toBe(m.t);
    while (popBoth()) {}
    expect(model.length).toBe(0);
    expect(popped.length).toBe(12 * 480);
    expect(popped).toEqual(expected);
  });
});
