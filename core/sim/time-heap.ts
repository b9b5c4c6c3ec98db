/**
 * A min-heap of times. The simulator keeps one per agent (its pending arrivals, or RAG search completions)
 * and one for triggers, so "the agent's next stop" is a lookup instead of a scan of the event list.
 */
export class TimeHeap {
  private data = new Float64Array(64);
  private n = 0;

  get size(): number {
    return this.n;
  }

  clear(): void {
    this.n = 0;
  }

  /** Smallest time, or +∞ when empty. */
  min(): number {
    return this.n === 0 ? Number.POSITIVE_INFINITY : this.data[0]!;
  }

  push(t: number): void {
    if (this.n === this.data.length) {
      const b = new Float64Array(this.data.length * 2);
      b.set(this.data);
      this.data = b;
    }
    const d = this.data;
    let pos = this.n++;
    while (pos > 0) {
      const parent = (pos - 1) >> 1;
      if (d[parent]! <= t) break;
      d[pos] = d[parent]!;
      pos = parent;
    }
    d[pos] = t;
  }

  popMin(): number {
    const d = this.data;
    const top = d[0]!;
    const last = d[--this.n]!;
    let pos = 0;
    const n = this.n;
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
