/**
 * An engine's prefilling or decoding requests, in order: a list whose backing array never shrinks. Why not a plain
 * array: when one is emptied (`length = 0`, or popped down to nothing) V8 drops its backing store, and the next push
 * allocates a new one; the prefilling list empties every time the last prefill of a batch completes, about 400 000
 * times in a 1024-decision trial.
 */
import type { SimRequest } from './request.js';

export class RequestList implements Iterable<SimRequest> {
  /** Slots 0..length−1 hold the requests; later slots are cleared (they keep no request alive). */
  private readonly items: (SimRequest | undefined)[] = [];
  private n = 0;

  get length(): number {
    return this.n;
  }

  /** i-th request, 0 ≤ i < length. */
  get(i: number): SimRequest {
    return this.items[i]!;
  }

  /** Overwrites the i-th request (in-place compaction), 0 ≤ i < length. */
  set(i: number, r: SimRequest): void {
    this.items[i] = r;
  }

  push(r: SimRequest): void {
    if (this.n === this.items.length) this.items.push(r);
    else this.items[this.n] = r;
    this.n++;
  }

  /** Keeps the first `n` requests (after a compaction). */
  truncate(n: number): void {
    for (let i = n; i < this.n; i++) this.items[i] = undefined;
    this.n = n;
  }

  forEach(visit: (r: SimRequest, i: number) => void): void {
    for (let i = 0; i < this.n; i++) visit(this.items[i]!, i);
  }

  *[Symbol.iterator](): Iterator<SimRequest> {
    for (let i = 0; i < this.n; i++) yield this.items[i]!;
  }
}
