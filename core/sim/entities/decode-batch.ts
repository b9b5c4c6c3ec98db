/**
 * The numbers of an engine's decoding requests that change at every iteration, kept in typed arrays parallel to
 * `SimEngine.decoding` (entry i is decoding[i]) instead of in the request objects: iterations then touch contiguous
 * arrays, not objects scattered in memory (a cache miss each, which was a quarter of the decode loop).
 *
 * Every decoding request gains one token per iteration, so tokens need no per-request counting: the batch counts its
 * iterations, and each entry keeps the iteration count at which it will have all its tokens (`finishAt`). Its
 * tokens are `completion − (finishAt − iterations)`; the closest completion is a running minimum. Decode times are
 * per request (each is its own sum of the iterations it took part in), added up in `decodeTimesS`.
 *
 * While a request decodes, these are its live values. Its object's `generatedTokens` and `decodeTimeS` are written
 * back when it finishes and by `publish` (the simulator publishes every engine before it hands control back), so
 * whoever reads requests between runs sees current numbers. A request appended to `decoding` from outside is picked
 * up by `sync` (the arrays are reloaded from the objects when the lengths differ).
 */
import type { SimRequest } from './request.js';

export class DecodeBatch {
  completion = new Int32Array(16);
  /** Value of `iterations` at which the entry has generated all its tokens. */
  finishAt = new Float64Array(16);
  decodeTimesS = new Float64Array(16);
  /** 1 while the request has no first token yet. */
  awaitingFirstToken = new Uint8Array(16);
  /** Entries with `awaitingFirstToken` set: when 0, an iteration need not look at the flags. */
  awaitingCount = 0;
  size = 0;
  /** Gives every waiting entry its first token at `timeS` (an iteration that produced a token for all). */
  markFirstTokens(decoding: readonly SimRequest[], timeS: number): void {
    if (this.awaitingCount === 0) return;
    for (let i = 0; i < this.size; i++) {
      if (this.awaitingFirstToken[i] === 1) {
        decoding[i]!.firstTokenTimeS = timeS;
        this.awaitingFirstToken[i] = 0;
      }
    }
    this.awaitingCount = 0;
  }

  /** Token iterations so far (every entry present got a token in each). */
  iterations = 0;
  /** The smallest `finishAt` (+∞ when empty). */
  nextFinishAt = Number.POSITIVE_INFINITY;
  /** Some entry changed since the last `publish`. */
  dirty = false;

  /** Adds a request that starts decoding (its numbers as its object holds them). */
  append(r: SimRequest): void {
    if (this.size === this.completion.length) this.grow(this.size * 2);
    const i = this.size++;
    this.completion[i] = r.completionTokens;
    const finishAt = this.iterations + (r.completionTokens - r.generatedTokens);
    this.finishAt[i] = finishAt;
    if (finishAt < this.nextFinishAt) this.nextFinishAt = finishAt;
    this.decodeTimesS[i] = r.decodeTimeS;
    const awaiting = r.firstTokenTimeS < 0 ? 1 : 0;
    this.awaitingFirstToken[i] = awaiting;
    this.awaitingCount += awaiting;
  }

  /** Tokens entry i has generated. */
  generated(i: number): number {
    return this.completion[i]! - (this.finishAt[i]! - this.iterations);
  }

  /**
   * Records `k` more iterations and returns 1 when an entry got its last token in the last of them (one that reaches
   * its completion exactly then; the caller ends the step), 0 otherwise. Almost every decode run ends at the closest
   * completion, so the answer is nearly always read off `nextFinishAt` (the least `finishAt`, kept exact) instead of
   * a pass over the entries; only an entry already past its completion, never counted here, needs the pass.
   */
  advance(k: number): number {
    const iterations = this.iterations + k;
    this.iterations = iterations;
    this.dirty = true;
    if (iterations < this.nextFinishAt) return 0;
    if (iterations === this.nextFinishAt) return 1;
    for (let i = 0; i < this.size; i++) if (this.finishAt[i] === iterations) return 1;
    return 0;
  }

  /** Reloads the arrays from `decoding` when it was changed from outside (its length no longer matches). */
  sync(decoding: readonly SimRequest[]): void {
    if (decoding.length === this.size) return;
    this.size = 0;
    this.awaitingCount = 0;
    this.nextFinishAt = Number.POSITIVE_INFINITY;
    if (decoding.length > this.completion.length) this.grow(decoding.length * 2);
    for (const r of decoding) this.append(r);
  }

  /** Writes the live numbers into the request objects. */
  publish(decoding: readonly SimRequest[]): void {
    if (!this.dirty) return;
    for (let i = 0; i < this.size; i++) {
      const r = decoding[i]!;
      r.generatedTokens = this.generated(i);
      r.decodeTimeS = this.decodeTimesS[i]!;
    }
    this.dirty = false;
  }

  /** Moves entry `from` to position `to` (compaction after completions; to < from). */
  move(from: number, to: number): void {
    this.completion[to] = this.completion[from]!;
    this.finishAt[to] = this.finishAt[from]!;
    this.decodeTimesS[to] = this.decodeTimesS[from]!;
    this.awaitingFirstToken[to] = this.awaitingFirstToken[from]!;
  }

  /**
   * Keeps the first `n` entries (after compaction) when the caller has already found their least `finishAt` and
   * their count still awaiting a first token (completeFinished does while it compacts: one pass fewer).
   */
  truncate(n: number, nextFinishAt: number, awaitingCount: number): void {
    this.size = n;
    this.nextFinishAt = nextFinishAt;
    this.awaitingCount = awaitingCount;
  }

  /** Capacity is kept a multiple of eight: the decode loop adds to eight entries at a time (engine-step.ts addRun). */
  private grow(minCapacity: number): void {
    const capacity = (minCapacity + 7) & ~7;
    const completion = new Int32Array(capacity);
    completion.set(this.completion.subarray(0, this.size));
    this.completion = completion;
    const finishAt = new Float64Array(capacity);
    finishAt.set(this.finishAt.subarray(0, this.size));
    this.finishAt = finishAt;
    const decodeTimesS = new Float64Array(capacity);
    decodeTimesS.set(this.decodeTimesS.subarray(0, this.size));
    this.decodeTimesS = decodeTimesS;
    const awaiting = new Uint8Array(capacity);
    awaiting.set(this.awaitingFirstToken.subarray(0, this.size));
    this.awaitingFirstToken = awaiting;
  }
}
