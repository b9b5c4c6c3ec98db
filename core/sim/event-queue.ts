/**
 * The simulator's future-event list: a binary min-heap over slots held in typed arrays, so pushing and
 * popping allocates nothing once warm. Order is (time, kind, insertion sequence): at equal times the
 * lower kind number comes first and equal keys come out first-in first-out — the one tie-break rule.
 * Cancelled slots (the budget refresh is rescheduled by every action) are skipped lazily.
 *
 * Pre-generated events (a whole episode of arrivals and RAG searches, ~10⁶) go to sorted "bulk lanes"
 * (core/sim/bulk-lanes.ts) instead of the heap, so the heap only holds the few dozen engine and refresh events and
 * each pop compares the lanes' head with the heap's. Both use the same key, so the order is exactly that of one big
 * heap. A lane event's subject is a number (the request id), not an object: the lanes hold no pointers, and the
 * simulator creates each request object only when it arrives.
 */
import { BulkLanes } from './bulk-lanes.js';
import { EVENT_KIND_COUNT, type EventKind } from './constants.js';

export class EventQueue<P> {
  private times = new Float64Array(256);
  private kinds = new Uint8Array(256);
  private seqs = new Float64Array(256);
  private cancelled = new Uint8Array(256);
  private payloads: (P | undefined)[] = new Array(256);
  /** Heap of slot numbers. */
  private heap = new Int32Array(256);
  private heapSize = 0;
  /**
   * The heap's head was popped but is still in place: the next `push` (a handler usually schedules one successor)
   * takes its slot and sifts down once, instead of a removal's sift down followed by an insertion's sift up. Any
   * other access removes it first. The heap's order is a total order, so its shape does not change what pops.
   */
  private headTaken = false;
  private freeSlots: number[] = [];
  private nextSlot = 0;
  private nextSeq = 0;
  private live = 0;
  private readonly liveByKind = new Int32Array(EVENT_KIND_COUNT);

  /** The pre-generated events (core/sim/bulk-lanes.ts). */
  private readonly lanes = new BulkLanes();

  /** Time, kind and payload of the event most recently returned by `pop` (no payload for a bulk event). */
  poppedTimeS = 0;
  poppedKind: EventKind = 0;
  poppedPayload: P | undefined = undefined;
  /** The subject of the bulk event most recently popped, or -1 when it came from `push`. */
  poppedSubject = -1;

  get size(): number {
    return this.live;
  }

  /** Pending (not cancelled) events of one kind. */
  countOf(kind: EventKind): number {
    return this.liveByKind[kind]!;
  }

  clear(): void {
    this.heapSize = 0;
    this.headTaken = false;
    this.freeSlots.length = 0;
    this.nextSlot = 0;
    this.nextSeq = 0;
    this.live = 0;
    this.liveByKind.fill(0);
    this.payloads.fill(undefined);
    this.lanes.clear();
  }

  /**
   * Adds many events at once (sequence numbers in the given order), as if pushed one by one; they cannot
   * be cancelled and carry a numeric subject instead of a payload.
   */
  pushBulk(
    events: ReadonlyArray<{ readonly timeS: number; readonly kind: EventKind; readonly subject: number }>,
  ): void {
    const n = events.length;
    const times = new Float64Array(n);
    const kinds = new Uint8Array(n);
    const subjects = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const e = events[i]!;
      times[i] = e.timeS;
      kinds[i] = e.kind;
      subjects[i] = e.subject;
    }
    this.pushBulkColumns(times, kinds, subjects, n);
  }

  /**
   * `pushBulk` over parallel columns (the first `n` entries), without an object per event: the hot path for a
   * whole episode of arrivals. The queue keeps the columns (the caller must not change them afterwards): their
   * ordered runs become lanes as they are (core/sim/bulk-lanes.ts).
   */
  pushBulkColumns(times: Float64Array, kinds: Uint8Array, subjects: Int32Array, n: number): void {
    if (n === 0) return;
    const firstSeq = this.nextSeq;
    this.nextSeq += n;
    this.lanes.add(times, kinds, subjects, n, firstSeq);
    for (let i = 0; i < n; i++) this.liveByKind[kinds[i]!]!++;
    this.live += n;
  }

  /** True when the lanes' head comes before the heap's head. */
  private laneFirst(): boolean {
    const lanes = this.lanes;
    if (lanes.empty) return false;
    if (this.heapSize === 0) return true;
    const slot = this.heap[0]!;
    const tl = lanes.headTimeS;
    const th = this.times[slot]!;
    if (tl !== th) return tl < th;
    const kl = lanes.headKind;
    const kh = this.kinds[slot]!;
    if (kl !== kh) return kl < kh;
    return lanes.headSeq < this.seqs[slot]!;
  }

  /** Adds an event; returns a handle for `cancel`, valid until the event is popped. */
  push(timeS: number, kind: EventKind, payload: P): number {
    const reuse = this.headTaken;
    this.headTaken = false;
    const slot = reuse ? this.heap[0]! : this.freeSlots.length > 0 ? this.freeSlots.pop()! : this.allocSlot();
    this.times[slot] = timeS;
    this.kinds[slot] = kind;
    this.seqs[slot] = this.nextSeq++;
    this.cancelled[slot] = 0;
    this.payloads[slot] = payload;
    if (reuse) {
      this.siftDown(0);
    } else {
      if (this.heapSize === this.heap.length) this.heap = grow32(this.heap);
      this.heap[this.heapSize] = slot;
      this.siftUp(this.heapSize++);
    }
    this.live++;
    this.liveByKind[kind]!++;
    return slot;
  }

  cancel(handle: number): void {
    if (this.cancelled[handle] === 1) return;
    this.cancelled[handle] = 1;
    this.live--;
    this.liveByKind[this.kinds[handle]!]!--;
  }

  /** Kind of the earliest pending event, or -1 when empty. */
  peekKind(): number {
    this.dropCancelledHead();
    if (this.laneFirst()) return this.lanes.headKind;
    return this.heapSize === 0 ? -1 : this.kinds[this.heap[0]!]!;
  }

  peekTimeS(): number {
    this.dropCancelledHead();
    if (this.laneFirst()) return this.lanes.headTimeS;
    return this.heapSize === 0 ? Number.POSITIVE_INFINITY : this.times[this.heap[0]!]!;
  }

  /** Removes the earliest pending event into `popped…`; returns false when empty. */
  pop(): boolean {
    this.dropCancelledHead();
    if (this.laneFirst()) {
      const lanes = this.lanes;
      this.poppedTimeS = lanes.headTimeS;
      this.poppedKind = lanes.headKind as EventKind;
      this.poppedPayload = undefined;
      this.poppedSubject = lanes.headSubject;
      lanes.shift();
      this.live--;
      this.liveByKind[this.poppedKind]!--;
      return true;
    }
    if (this.heapSize === 0) return false;
    const slot = this.heap[0]!;
    this.poppedTimeS = this.times[slot]!;
    this.poppedKind = this.kinds[slot]! as EventKind;
    this.poppedPayload = this.payloads[slot];
    this.poppedSubject = -1;
    this.headTaken = true;
    this.live--;
    this.liveByKind[this.poppedKind]!--;
    return true;
  }

  /**
   * Visits pending events (bulk lanes first, in order, then the heap in heap order); for diagnostics and state dumps. Bulk
   * events have no payload and their subject; pushed events have their payload and subject -1.
   */
  forEachPending(
    visit: (timeS: number, kind: EventKind, payload: P | undefined, subject: number) => void,
  ): void {
    this.settle();
    this.lanes.visitInOrder((timeS, kind, subject) => {
      visit(timeS, kind, undefined, subject);
    });
    for (let i = 0; i < this.heapSize; i++) {
      const slot = this.heap[i]!;
      if (this.cancelled[slot] === 0)
        visit(this.times[slot]!, this.kinds[slot]! as EventKind, this.payloads[slot]!, -1);
    }
  }

  /** Removes a popped head still in place (see `headTaken`). */
  private settle(): void {
    if (!this.headTaken) return;
    this.headTaken = false;
    this.removeHead();
  }

  private dropCancelledHead(): void {
    this.settle();
    while (this.heapSize > 0 && this.cancelled[this.heap[0]!] === 1) this.removeHead();
  }

  private removeHead(): void {
    const slot = this.heap[0]!;
    this.payloads[slot] = undefined;
    this.freeSlots.push(slot);
    this.heapSize--;
    if (this.heapSize > 0) {
      this.heap[0] = this.heap[this.heapSize]!;
      this.siftDown(0);
    }
  }

  private allocSlot(): number {
    const slot = this.nextSlot++;
    if (slot === this.times.length) {
      const n = this.times.length * 2;
      this.times = growF64(this.times, n);
      this.seqs = growF64(this.seqs, n);
      const kinds = new Uint8Array(n);
      kinds.set(this.kinds);
      this.kinds = kinds;
      const cancelled = new Uint8Array(n);
      cancelled.set(this.cancelled);
      this.cancelled = cancelled;
      this.payloads.length = n;
    }
    return slot;
  }

  private less(a: number, b: number): boolean {
    const ta = this.times[a]!;
    const tb = this.times[b]!;
    if (ta !== tb) return ta < tb;
    const ka = this.kinds[a]!;
    const kb = this.kinds[b]!;
    if (ka !== kb) return ka < kb;
    return this.seqs[a]! < this.seqs[b]!;
  }

  private siftUp(pos: number): void {
    const heap = this.heap;
    const slot = heap[pos]!;
    while (pos > 0) {
      const parent = (pos - 1) >> 1;
      const p = heap[parent]!;
      if (!this.less(slot, p)) break;
      heap[pos] = p;
      pos = parent;
    }
    heap[pos] = slot;
  }

  private siftDown(pos: number): void {
    const heap = this.heap;
    const n = this.heapSize;
    const slot = heap[pos]!;
    for (;;) {
      let child = 2 * pos + 1;
      if (child >= n) break;
      const right = child + 1;
      if (right < n && this.less(heap[right]!, heap[child]!)) child = right;
      if (!this.less(heap[child]!, slot)) break;
      heap[pos] = heap[child]!;
      pos = child;
    }
    heap[pos] = slot;
  }
}

function growF64(a: Float64Array, n: number): Float64Array<ArrayBuffer> {
  const b = new Float64Array(n);
  b.set(a);
  return b;
}

function grow32(a: Int32Array): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}
