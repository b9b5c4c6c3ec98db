/** An engine's waiting queue: FIFO with O(1) pop from the head, compacting its backing array lazily. */
import type { SimRequest } from './request.js';

export class RequestFifo {
  private items: SimRequest[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  /** i-th waiting request from the head. */
  at(i: number): SimRequest {
    return this.items[this.head + i]!;
  }

  peek(): SimRequest | undefined {
    return this.items[this.head];
  }

  push(r: SimRequest): void {
    this.items.push(r);
  }

  shift(): SimRequest {
    const r = this.items[this.head]!;
    this.items[this.head++] = undefined as unknown as SimRequest;
    if (this.head > 64 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return r;
  }

  toArray(): SimRequest[] {
    return this.items.slice(this.head);
  }
}
