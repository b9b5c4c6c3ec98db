/**
 * ArrivalStore keeps the objects a later event names (requests created ahead, RAG requests awaiting their search) in
 * a ring by id with a map for ids whose slot is taken: whatever the ids, each event gets its own request's object,
 * once, and requests not held are created on arrival from the columns.
 */
import { describe, expect, it } from 'vitest';
import { ArrivalStore } from '../../../core/sim/arrival-store.js';

describe('ArrivalStore', () => {
  it('hands each awaited request back to its search completion, ids sharing ring slots included', () => {
    const store = new ArrivalStore();
    const n = 20_000;
    store.reserve(n);
    for (let i = 0; i < n; i++) store.add(i * 0.5, i % 3, i * 7);
    // Many held at once, far apart (ids 4096 apart share a slot), released in another order than they arrived.
    const held = new Map<number, ReturnType<ArrivalStore['arrive']>>();
    for (let id = 0; id < n; id += 3) held.set(id, store.arrive(id, true));
    for (let id = 1; id < n; id += 3) {
      const r = store.arrive(id, false);
      expect([r.id, r.agent, r.itemIndex, r.arrivalTimeS]).toEqual([id, id % 3, id * 7, id * 0.5]);
    }
    const ids = [...held.keys()].reverse();
    for (const id of ids) expect(store.take(id)).toBe(held.get(id));
    // Taken once: a second take is a fresh object, not the released one.
    expect(store.take(ids[0]!)).not.toBe(held.get(ids[0]!));
  });

  it('gives requests created ahead back on arrival, and keeps them for their search when awaited', () => {
    const store = new ArrivalStore();
    const created = Array.from({ length: 9_000 }, (_, i) => store.addCreated(i, 0, i));
    for (let id = 0; id < created.length; id++) {
      const awaited = id % 2 === 0;
      expect(store.arrive(id, awaited)).toBe(created[id]);
      if (awaited) expect(store.take(id)).toBe(created[id]);
    }
    store.clear();
    expect(store.size).toBe(0);
    store.add(1, 0, 0);
    expect(store.arrive(0, false)).not.toBe(created[0]);
  });
});
