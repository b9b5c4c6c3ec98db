/**
 * The emulated engine core: continuous batching over a FIFO waiting queue with a KV-token budget.
 *
 * - Admission: the head of the queue starts when its prompt + max output tokens fit in the free KV tokens and
 *   fewer than maxNumSeqs requests run (the whole reservation is taken at once, so an admitted request never
 *   has to be preempted; vLLM allocates block by block and preempts instead — same queueing, simpler model).
 * - Prefill: TTFT after admission = max(0, α + β·prompt_tokens + N(0, σ²)) — the profile the prefill fit
 *   recovers. The first token is emitted when it ends.
 * - Decode: one engine step emits one token to every decoding request; the step lasts
 *   max(0, α + β·running + N(0, σ²)) with running = the requests scheduled (prefilling + decoding) when the
 *   step starts — the profile the TPOT fit recovers. Step deadlines are absolute, so timer lateness does not
 *   accumulate into the measured inter-token gaps.
 */
import { performance } from 'node:perf_hooks';
import type { Rng } from '../../core/random/index.js';
import { atDeadline, CATCH_UP_WINDOW_MS } from './timer.js';

export interface LatencyProfile {
  alpha: number;
  beta: number;
  sigma: number;
}

export interface EngineParams {
  prefill: LatencyProfile;
  decode: LatencyProfile;
  kvCacheTokens: number;
  maxNumSeqs: number;
}

export interface EngineRequest {
  promptTokens: number;
  /** Tokens to generate (≥ 1). */
  outputTokens: number;
  /** KV tokens reserved at admission (prompt + max_tokens). */
  kvTokens: number;
  /** Called for token i (0-based); `last` on the final one. */
  onToken(i: number, last: boolean): void;
}

interface Slot {
  req: EngineRequest;
  emitted: number;
  state: 'waiting' | 'prefill' | 'decode' | 'done';
  cancelPrefill?: () => void;
}

/** What the server and the metrics use of an engine core (either scheduler). */
export interface EngineCore {
  readonly numRunning: number;
  readonly numWaiting: number;
  readonly kvUsage: number;
  submit(req: EngineRequest): () => void;
}

export class Engine implements EngineCore {
  private readonly waiting: Slot[] = [];
  private readonly prefilling = new Set<Slot>();
  private readonly decoding = new Set<Slot>();
  private kvReserved = 0;
  private stepScheduled = false;

  constructor(
    readonly params: EngineParams,
    private readonly rng: Rng,
  ) {}

  get numRunning(): number {
    return this.prefilling.size + this.decoding.size;
  }
  get numWaiting(): number {
    return this.waiting.length;
  }
  get kvUsage(): number {
    return this.kvReserved / this.params.kvCacheTokens;
  }

  /** Queues a request; the returned function aborts it (client gone) and frees its KV tokens. */
  submit(req: EngineRequest): () => void {
    const slot: Slot = { req, emitted: 0, state: 'waiting' };
    this.waiting.push(slot);
    this.admit();
    return () => this.abort(slot);
  }

  private abort(slot: Slot): void {
    if (slot.state === 'done') return;
    if (slot.state === 'waiting') {
      const i = this.waiting.indexOf(slot);
      if (i >= 0) this.waiting.splice(i, 1);
    } else {
      slot.cancelPrefill?.();
      this.prefilling.delete(slot);
      this.decoding.delete(slot);
      this.kvReserved -= slot.req.kvTokens;
    }
    slot.state = 'done';
    this.admit();
  }

  private draw(p: LatencyProfile, x: number): number {
    return Math.max(0, this.rng.normal(p.alpha + p.beta * x, p.sigma));
  }

  private admit(): void {
    while (this.waiting.length > 0) {
      const head = this.waiting[0]!;
      if (this.numRunning >= this.params.maxNumSeqs) return;
      if (this.kvReserved + head.req.kvTokens > this.params.kvCacheTokens) return;
      this.waiting.shift();
      this.kvReserved += head.req.kvTokens;
      head.state = 'prefill';
      this.prefilling.add(head);
      const ttftS = this.draw(this.params.prefill, head.req.promptTokens);
      head.cancelPrefill = atDeadline(performance.now() + ttftS * 1000, () => this.prefillDone(head)).cancel;
    }
  }

  private prefillDone(slot: Slot): void {
    if (slot.state !== 'prefill') return;
    this.prefilling.delete(slot);
    slot.cancelPrefill = undefined;
    if (this.emit(slot)) return;
    slot.state = 'decode';
    this.decoding.add(slot);
    this.scheduleStep();
  }

  /** Emits the slot's next token; true (and frees it) when that was its last. */
  private emit(slot: Slot): boolean {
    const i = slot.emitted++;
    const last = slot.emitted >= slot.req.outputTokens;
    if (last) {
      slot.state = 'done';
      this.decoding.delete(slot);
      this.kvReserved -= slot.req.kvTokens;
    }
    slot.req.onToken(i, last);
    if (last) this.admit();
    return last;
  }

  /** `chainFrom`: the deadline of the step that just ended, so back-to-back steps keep absolute deadlines. */
  private scheduleStep(chainFrom?: number): void {
    if (this.stepScheduled || this.decoding.size === 0) return;
    this.stepScheduled = true;
    const now = performance.now();
    // After an idle engine, or when far behind (an overloaded event loop), the next step starts from now.
    const start = chainFrom !== undefined && now - chainFrom < CATCH_UP_WINDOW_MS ? chainFrom : now;
    const deadline = start + this.draw(this.params.decode, this.numRunning) * 1000;
    atDeadline(deadline, () => {
      this.stepScheduled = false;
      for (const slot of [...this.decoding]) if (slot.state === 'decode') this.emit(slot);
      this.scheduleStep(deadline);
    });
  }
}
