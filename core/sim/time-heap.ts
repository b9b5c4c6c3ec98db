/**
 * A min-queue of times. The simulator keeps one per agent (its pending arrivals, or RAG search completions)
 * and one for triggers, so "the agent's next stop" is a lookup instead of a scan of the event list.
 *
 * Times mostly come in order (an agent's arrivals are generated in time order, triggers are scheduled in order,
 * and a search completes within a fraction of a second of its arrival), so each time pushed at or after the
 * previous in-order one joins a sorted FIFO (O(1) in and out); only the others go to a binary heap. The
 * minimum is the smaller of the two heads, so the queue hands out exactly what a plain heap would.
 */
export class TimeHeap {
  private fifo = new Float64Array(64);
  private fifoHead = 0;
  private fifoTail = 0;
  private heap = new Float64Array(16);
  private heapSize = 0;

  get size(): number {
    return this.fifoTail - this.fifoHead + this.heapSize;
  }

  clear(): void {
    this.fifoHead = 0;
    this.fifoTail = 0;
    this.heapSize = 0;
  }

  /** Smallest time, or +∞ when empty. */
  min(): number {
    const f = this.fifoHead < this.fifoTail ? this.fifo[this.fifoHead]! : Number.POSITIVE_INFINITY;
    return this.heapSize > 0 && this.heap[0]! < f ? this.heap[0]! : f;
  }

  push(t: number): void {
    if (this.fifoHead === this.fifoTail) {
      this.fifoHead = 0;
      this.fifoTail = 0;
    }
    if (this.fifoHead === this.fifoTail || t >= this.fifo[this.fifoTail - 1]!) {
      if (this.fifoTail === this.fifo.length) this.makeFifoRoom();
      this.fifo[this.fifoTail++] = t;
    } else {
      this.heapPush(t);
    }
  }

  /**
   * Removes the smallest time without returning it (the simulator's loop only drops the stop it has reached): a
   * double returned from a call V8 does not inline is boxed, one allocation per arrival.
   */
  dropMin(): void {
    if (this.heapSize > 0 && (this.fifoHead === this.fifoTail || this.heap[0]! < this.fifo[this.fifoHead]!)) {
      this.heapPop();
      return;
    }
    this.fifoHead++;
  }

  popMin(): number {
    if (this.heapSize > 0 && (this.fifoHead === this.fifoTail || this.heap[0]! < this.fifo[this.fifoHead]!)) {
      return this.heapPop();
    }
    return this.fifo[this.fifoHead++]!;
  }

  /** Full FIFO: slide the live part to the front, or double the buffer when more than half of it is live. */
  private makeFifoRoom(): void {
    const live = this.fifoTail - this.fifoHead;
    if (live * 2 > this.fifo.length) {
      const b = new Float64Array(this.fifo.length * 2);
      b.set(this.fifo.subarray(this.fifoHead, this.fifoTail));
      this.fifo = b;
    } else {
      this.fifo.copyWithin(0, this.fifoHead, this.fifoTail);
    }
    this.fifoHead = 0;
    this.fifoTail = live;
  }

  private heapPush(t: number): void {
    if (this.heapSize === this.heap.length) {
      const b = new Float64Array(this.heap.length * 2);
      b.set(this.heap);
      this.heap = b;
    }
    const d = this.heap;
    let pos = this.heapSize++;
    while (pos > 0) {
      const parent = (pos - 1) >> 1;
      if (d[parent]! <= t) break;
      d[pos] = d[parent]!;
      pos = parent;
    }
    d[pos] = t;
  }

  private heapPop(): number {
    const d = this.heap;
    const top = d[0]!;
    const last = d[--this.heapSize]!;
    let pos = 0;
    const n = this.heapSize;
    for (;;) {
      let child = 2 * pos + 1;
      if (child >= n) break;
      if (child + 1 < n && d[child + 1]! < d[child]!) child++;
      if (d[child]! >= last) break;
      d[pos] = d[child]!;
      pos = child;
    }
    if (n > 0) d[pos] = last;
    return top;
  }
}
