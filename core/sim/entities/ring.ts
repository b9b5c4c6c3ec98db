/** Fixed-capacity ring keeping the newest items (the per-agent ring of completed requests). */
export class Ring<T> {
  private readonly items: (T | undefined)[];
  private start = 0;
  private n = 0;

  constructor(readonly capacity: number) {
    this.items = new Array(capacity);
  }

  get length(): number {
    return this.n;
  }

  push(item: T): void {
    if (this.n < this.capacity) {
      this.items[(this.start + this.n) % this.capacity] = item;
      this.n++;
    } else {
      this.items[this.start] = item;
      this.start = (this.start + 1) % this.capacity;
    }
  }

  /** i-th item, oldest first. */
  at(i: number): T {
    return this.items[(this.start + i) % this.capacity]!;
  }

  /** i-th item, newest first. */
  fromNewest(i: number): T {
    return this.at(this.n - 1 - i);
  }

  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.n; i++) out.push(this.at(i));
    return out;
  }

  clear(): void {
    this.items.fill(undefined);
    this.start = 0;
    this.n = 0;
  }
}
