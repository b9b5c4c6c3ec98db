/**
 * The emulated engine core with iteration-level scheduling (`--scheduler iteration`), as vLLM's chunked-prefill
 * scheduler and migflow's simulator (core/sim/engine-step.ts) step an engine: each iteration first continues the
 * prefills under way, then admits waiting requests (FIFO, head-of-line blocking on KV room) while the token budget
 * (max_num_batched_tokens − decoding requests) lasts. An iteration with prefill tokens lasts
 * max(0, α_p + β_p·prefill_tokens + N(0, σ_p²)), otherwise max(0, α_d + β_d·decoding + N(0, σ_d²)); every decoding
 * request gets one token at its end (piggybacking on prefill iterations too), and a request whose prefill finished
 * decodes from the next iteration. The default `parallel` scheduler (engine.ts) times each prefill on its own.
 */
import { performance } from 'node:perf_hooks';
import type { Rng } from '../../core/random/index.js';
import type { EngineParams, EngineRequest, LatencyProfile } from './engine.js';
import { atDeadline, CATCH_UP_WINDOW_MS } from './timer.js';

interface Slot {
  req: EngineRequest;
  prefilled: number;
  emitted: number;
  state: 'waiting' | 'prefill' | 'decode' | 'done';
  /** performance.now() at submit: an iteration that admits the request cannot have started before it. */
  arrivedMs: number;
}

export class IterationEngine {
  private readonly waiting: Slot[] = [];
  private readonly prefilling: Slot[] = [];
  private readonly decoding: Slot[] = [];
  private kvReserved = 0;
  private running = false;

  constructor(
    readonly params: EngineParams & { maxBatchedTokens: number },
    private readonly rng: Rng,
  ) {}

  get numRunning(): number {
    return this.prefilling.length + this.decoding.length;
  }
  get numWaiting(): number {
    return this.waiting.length;
  }
  get kvUsage(): number {
    return this.kvReserved / this.params.kvCacheTokens;
  }

  submit(req: EngineRequest): () => void {
    const slot: Slot = { req, prefilled: 0, emitted: 0, state: 'waiting', arrivedMs: performance.now() };
    this.waiting.push(slot);
    if (!this.running) this.iterate(performance.now());
    return () => this.abort(slot);
  }

  private abort(slot: Slot): void {
    if (slot.state === 'done') return;
    for (const list of [this.waiting, this.prefilling, this.decoding]) {
      const i = list.indexOf(slot);
      if (i >= 0) list.splice(i, 1);
    }
    if (slot.state !== 'waiting') this.kvReserved -= slot.req.kvTokens;
    slot.state = 'done';
  }

  private draw(p: LatencyProfile, x: number): number {
    return Math.max(0, this.rng.normal(p.alpha + p.beta * x, p.sigma));
  }

  /** Plans one iteration starting at `startMs` and schedules its end; stops when there is nothing to run. */
  private iterate(startMs: number): void {
    let begin = startMs;
    let budget = this.params.maxBatchedTokens - this.decoding.length;
    let prefillTokens = 0;
    const chunks: [Slot, number][] = [];
    for (const s of this.prefilling) {
      if (budget <= 0) break;
      const chunk = Math.min(s.req.promptTokens - s.prefilled, budget);
      chunks.push([s, chunk]);
      prefillTokens += chunk;
      budget -= chunk;
    }
    while (budget > 0 && this.waiting.length > 0 && this.numRunning < this.params.maxNumSeqs) {
      const head = this.waiting[0]!;
      if (this.kvReserved + head.req.kvTokens > this.params.kvCacheTokens) break;
      this.waiting.shift();
      this.kvReserved += head.req.kvTokens;
      head.state = 'prefill';
      this.prefilling.push(head);
      // Catching up after a host stall runs iterations on the past schedule; one cannot predate its new requests.
      begin = Math.max(begin, head.arrivedMs);
      const chunk = Math.min(head.req.promptTokens, budget);
      chunks.push([head, chunk]);
      prefillTokens += chunk;
      budget -= chunk;
    }
    if (this.numRunning === 0) {
      this.running = false;
      return;
    }
    this.running = true;
    const durationS =
      prefillTokens > 0
        ? this.draw(this.params.prefill, prefillTokens)
        : this.draw(this.params.decode, this.decoding.length);
    const endMs = begin + durationS * 1000;
    const decoders = [...this.decoding];
    atDeadline(endMs, () => {
      for (const s of decoders) if (s.state === 'decode') this.emit(s);
      for (const [s, chunk] of chunks) {
        if (s.state !== 'prefill') continue;
        s.prefilled += chunk;
        if (s.prefilled >= s.req.promptTokens) {
          this.prefilling.splice(this.prefilling.indexOf(s), 1);
          s.state = 'decode';
          this.decoding.push(s);
        }
      }
      // Back-to-back iterations keep absolute deadlines unless the event loop fell far behind.
      const now = performance.now();
      this.iterate(now - endMs < CATCH_UP_WINDOW_MS ? endMs : now);
    });
  }

  private emit(slot: Slot): void {
    const i = slot.emitted++;
    const last = slot.emitted >= slot.req.outputTokens;
    if (last) {
      slot.state = 'done';
      this.decoding.splice(this.decoding.indexOf(slot), 1);
      this.kvReserved -= slot.req.kvTokens;
    }
    slot.req.onToken(i, last);
  }
}
