/**
 * The event queue's pre-generated events (a whole episode of arrivals and RAG searches, ~10⁶ per batch) as a few
 * sorted lanes, each popped from its head; the earliest head by (time, kind, sequence) is the lanes' next event.
 *
 * A batch is made of long runs that are already in order (each agent's arrivals, triggers) or nearly so (search
 * completions land within a fraction of a second of their arrivals): each run becomes a lane of its own, so adding a
 * batch sorts and copies nothing for an ordered run, and nothing is ever merged with the events already pending (the
 * single merged lane this replaces copied every pending event at every batch: a sixth of a training episode's time).
 * A batch of many short runs (arbitrary input) is sorted into one lane; past `MAX_LANES` lanes, all are merged into
 * one, so a pop never compares more than a handful of heads.
 */
import type { EventKind } from './constants.js';

/** Runs of one batch kept as lanes of their own; a batch with more is sorted into one lane. */
const MAX_RUNS_AS_LANES = 4;
/** Live lanes at most: past this, they are merged into one. */
const MAX_LANES = 8;
/** Longest backward shift an element may make to stay in the current run (see `sortedRuns`). */
const INSERTION_LIMIT = 32;

/** Events head..end−1 of the columns, in order. Sequence numbers: `seqs[i]`, or `seqBase + i` when `seqs` is null. */
interface Lane {
  readonly times: Float64Array;
  readonly kinds: Uint8Array;
  readonly subjects: Int32Array;
  readonly seqs: Float64Array | null;
  readonly seqBase: number;
  head: number;
  readonly end: number;
}

export class BulkLanes {
  private lanes: Lane[] = [];
  /**
   * Each live lane's head key, in flat arrays parallel to `lanes`: a pop compares a handful of numbers instead of
   * reaching into every lane's columns (lane pops are a third of the simulator's events).
   */
  private readonly keyTimes = new Float64Array(MAX_LANES + MAX_RUNS_AS_LANES);
  private readonly keyKinds = new Uint8Array(MAX_LANES + MAX_RUNS_AS_LANES);
  private readonly keySeqs = new Float64Array(MAX_LANES + MAX_RUNS_AS_LANES);
  /** Index in `lanes` of the lane whose head comes first, or -1 when there is none. */
  private best = -1;
  /** Key and subject of the best lane's head (meaningless when `empty`). */
  headTimeS = Number.POSITIVE_INFINITY;
  headKind = 0;
  headSeq = 0;
  headSubject = -1;

  get empty(): boolean {
    return this.best < 0;
  }

  clear(): void {
    this.lanes = [];
    this.best = -1;
  }

  /**
   * Adds the first `n` events of the columns with sequence numbers firstSeq, firstSeq + 1, … in column order.
   * Ordered runs keep the columns (the caller hands them over and does not change them afterwards).
   */
  add(times: Float64Array, kinds: Uint8Array, subjects: Int32Array, n: number, firstSeq: number): void {
    if (n === 0) return;
    const { order, bounds, permuted } = sortedRuns(times, kinds, n);
    const runs = bounds.length - 1;
    if (runs <= MAX_RUNS_AS_LANES) {
      for (let r = 0; r < runs; r++) {
        const lo = bounds[r]!;
        const hi = bounds[r + 1]!;
        if (permuted[r] === 0) {
          this.lanes.push({ times, kinds, subjects, seqs: null, seqBase: firstSeq, head: lo, end: hi });
        } else {
          this.lanes.push(gather(times, kinds, subjects, order, lo, hi, firstSeq));
        }
      }
    } else {
      this.lanes.push(gather(times, kinds, subjects, mergeRuns(times, kinds, order, bounds), 0, n, firstSeq));
    }
    if (this.lanes.length > MAX_LANES) this.lanes = [mergeAll(this.lanes)];
    for (let i = 0; i < this.lanes.length; i++) this.loadKey(i);
    this.pickBest();
  }

  /** Removes the earliest event; its subject is `headSubject` before the call. The caller checks `empty` first. */
  shift(): void {
    const b = this.best;
    const lane = this.lanes[b]!;
    if (++lane.head === lane.end) {
      // Lane order does not matter (ties are broken by sequence number): the last lane takes the empty one's place.
      const last = this.lanes.length - 1;
      if (b !== last) {
        this.lanes[b] = this.lanes[last]!;
        this.keyTimes[b] = this.keyTimes[last]!;
        this.keyKinds[b] = this.keyKinds[last]!;
        this.keySeqs[b] = this.keySeqs[last]!;
      }
      this.lanes.pop();
    } else {
      this.loadKey(b);
    }
    this.pickBest();
  }

  /** Visits every pending event in pop order (diagnostics and state dumps). */
  visitInOrder(visit: (timeS: number, kind: EventKind, subject: number) => void): void {
    const heads = this.lanes.map((l) => l.head);
    for (;;) {
      let b = -1;
      for (let i = 0; i < this.lanes.length; i++) {
        const l = this.lanes[i]!;
        if (heads[i]! < l.end && (b < 0 || laneBefore(l, heads[i]!, this.lanes[b]!, heads[b]!))) b = i;
      }
      if (b < 0) return;
      const l = this.lanes[b]!;
      const p = heads[b]!++;
      visit(l.times[p]!, l.kinds[p]! as EventKind, l.subjects[p]!);
    }
  }

  /** Copies lane i's head key into the key arrays. */
  private loadKey(i: number): void {
    const l = this.lanes[i]!;
    const p = l.head;
    this.keyTimes[i] = l.times[p]!;
    this.keyKinds[i] = l.kinds[p]!;
    this.keySeqs[i] = l.seqs === null ? l.seqBase + p : l.seqs[p]!;
  }

  /** Finds the lane with the earliest head and copies that head into the `head…` fields. */
  private pickBest(): void {
    const count = this.lanes.length;
    if (count === 0) {
      this.best = -1;
      return;
    }
    const times = this.keyTimes;
    const kinds = this.keyKinds;
    const seqs = this.keySeqs;
    let b = 0;
    for (let i = 1; i < count; i++) {
      const ti = times[i]!;
      const tb = times[b]!;
      if (ti < tb || (ti === tb && (kinds[i]! < kinds[b]! || (kinds[i] === kinds[b] && seqs[i]! < seqs[b]!))))
        b = i;
    }
    this.best = b;
    this.headTimeS = times[b]!;
    this.headKind = kinds[b]!;
    this.headSeq = seqs[b]!;
    const l = this.lanes[b]!;
    this.headSubject = l.subjects[l.head]!;
  }
}

function seqOf(l: Lane, p: number): number {
  return l.seqs === null ? l.seqBase + p : l.seqs[p]!;
}

/** Event p of lane a comes before event q of lane b by (time, kind, sequence). */
function laneBefore(a: Lane, p: number, b: Lane, q: number): boolean {
  const ta = a.times[p]!;
  const tb = b.times[q]!;
  if (ta !== tb) return ta < tb;
  const ka = a.kinds[p]!;
  const kb = b.kinds[q]!;
  if (ka !== kb) return ka < kb;
  return seqOf(a, p) < seqOf(b, q);
}

/** A lane of its own holding events order[lo..hi−1] of the columns (sequence: firstSeq + column index). */
function gather(
  times: Float64Array,
  kinds: Uint8Array,
  subjects: Int32Array,
  order: Int32Array,
  lo: number,
  hi: number,
  firstSeq: number,
): Lane {
  const m = hi - lo;
  const t = new Float64Array(m);
  const k = new Uint8Array(m);
  const s = new Int32Array(m);
  const q = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const idx = order[lo + i]!;
    t[i] = times[idx]!;
    k[i] = kinds[idx]!;
    s[i] = subjects[idx]!;
    q[i] = firstSeq + idx;
  }
  return { times: t, kinds: k, subjects: s, seqs: q, seqBase: 0, head: 0, end: m };
}

/** Every lane's remaining events as one lane, by repeated two-way merges on the full key. */
function mergeAll(lanes: Lane[]): Lane {
  let all = lanes;
  while (all.length > 1) {
    const next: Lane[] = [];
    for (let i = 0; i + 1 < all.length; i += 2) next.push(mergeTwo(all[i]!, all[i + 1]!));
    if (all.length % 2 === 1) next.push(all[all.length - 1]!);
    all = next;
  }
  return all[0]!;
}

function mergeTwo(a: Lane, b: Lane): Lane {
  const m = a.end - a.head + (b.end - b.head);
  const t = new Float64Array(m);
  const k = new Uint8Array(m);
  const s = new Int32Array(m);
  const q = new Float64Array(m);
  let i = a.head;
  let j = b.head;
  for (let o = 0; o < m; o++) {
    const fromA = j >= b.end || (i < a.end && laneBefore(a, i, b, j));
    const l = fromA ? a : b;
    const p = fromA ? i++ : j++;
    t[o] = l.times[p]!;
    k[o] = l.kinds[p]!;
    s[o] = l.subjects[p]!;
    q[o] = seqOf(l, p);
  }
  return { times: t, kinds: k, subjects: s, seqs: q, seqBase: 0, head: 0, end: m };
}

/**
 * Indices 0..n−1 cut into runs, each in stable (time, kind) order: `order[bounds[r]..bounds[r+1]−1]` is run r, a
 * permutation of those same indices, and `permuted[r]` is 0 when it is the identity. An element slightly out of
 * order (a RAG search completion lands within 0.3 s of its arrival) is inserted into the current run instead of
 * starting a new one, so a batch of per-agent arrivals plus searches is a handful of runs. Equal keys keep index
 * order, which is their sequence order.
 */
function sortedRuns(
  times: Float64Array,
  kinds: Uint8Array,
  n: number,
): { order: Int32Array; bounds: number[]; permuted: number[] } {
  const order = new Int32Array(n);
  const bounds: number[] = [0];
  const permuted: number[] = [0];
  let runStart = 0;
  for (let i = 0; i < n; i++) {
    order[i] = i;
    if (i === runStart) continue;
    if (!precedes(times, kinds, i, order[i - 1]!)) continue;
    // Where it belongs in the current run, if that is within reach; equal keys stay after earlier ones.
    let p = i - 1;
    while (p > runStart && i - p < INSERTION_LIMIT && precedes(times, kinds, i, order[p - 1]!)) p--;
    if (p > runStart && precedes(times, kinds, i, order[p - 1]!)) {
      runStart = i;
      bounds.push(i);
      permuted.push(0);
      continue;
    }
    order.copyWithin(p + 1, p, i);
    order[p] = i;
    permuted[permuted.length - 1] = 1;
  }
  bounds.push(n);
  return { order, bounds, permuted };
}

/** The runs of `sortedRuns` merged into one stable (time, kind) order: a bottom-up merge over Int32Arrays. */
function mergeRuns(times: Float64Array, kinds: Uint8Array, order: Int32Array, bounds: number[]): Int32Array {
  const n = order.length;
  let src: Int32Array = order;
  let dst: Int32Array = new Int32Array(n);
  let runs = bounds;
  while (runs.length > 2) {
    const next: number[] = [0];
    for (let r = 0; r + 1 < runs.length; r += 2) {
      const lo = runs[r]!;
      const mid = runs[r + 1]!;
      const hi = r + 2 < runs.length ? runs[r + 2]! : mid;
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        const a = src[i]!;
        const b = src[j]!;
        // Take from the right run only when strictly earlier: ties keep the left (lower index) first.
        if (precedes(times, kinds, b, a)) {
          dst[k++] = b;
          j++;
        } else {
          dst[k++] = a;
          i++;
        }
      }
      while (i < mid) dst[k++] = src[i++]!;
      while (j < hi) dst[k++] = src[j++]!;
      next.push(hi);
    }
    if (next[next.length - 1] !== n) next.push(n);
    const t = src;
    src = dst;
    dst = t;
    runs = next;
  }
  return src;
}

/** Event a comes strictly before event b by (time, kind). */
function precedes(times: Float64Array, kinds: Uint8Array, a: number, b: number): boolean {
  const ta = times[a]!;
  const tb = times[b]!;
  return ta < tb || (ta === tb && kinds[a]! < kinds[b]!);
}
