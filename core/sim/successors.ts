/**
 * What an event handler returns: the events it schedules, in the order it schedules them (that order is their
 * insertion order, the last part of the queue's tie-break). One outbox is reused for every event, so returning
 * successors allocates nothing; the simulator's loop applies them to its queue right after the handler.
 */
import type { EventKind } from './constants.js';
import type { SimEngine } from './entities/engine.js';
import type { SimRequest } from './entities/request.js';
import type { BootEvent, ShutdownEvent } from './reconfig-plan.js';

/**
 * An event's subject: the request of an arrival or search completion, the engine of a step, the drained engine
 * and its plan, the booted engine, or nothing (trigger, budget refresh).
 */
export type EventPayload = SimRequest | SimEngine | ShutdownEvent | BootEvent | null;

export class Successors {
  private readonly times: number[] = [];
  private readonly kinds: EventKind[] = [];
  private readonly payloads: EventPayload[] = [];
  private n = 0;

  get length(): number {
    return this.n;
  }

  add(timeS: number, kind: EventKind, payload: EventPayload): void {
    const i = this.n++;
    this.times[i] = timeS;
    this.kinds[i] = kind;
    this.payloads[i] = payload;
  }

  timeS(i: number): number {
    return this.times[i]!;
  }

  kind(i: number): EventKind {
    return this.kinds[i]!;
  }

  payload(i: number): EventPayload {
    return this.payloads[i]!;
  }

  /** The successors as plain objects, in order (tests and diagnostics). */
  toArray(): Array<{ timeS: number; kind: EventKind; payload: EventPayload }> {
    return Array.from({ length: this.n }, (_, i) => ({
      timeS: this.times[i]!,
      kind: this.kinds[i]!,
      payload: this.payloads[i]!,
    }));
  }

  clear(): void {
    for (let i = 0; i < this.n; i++) this.payloads[i] = null;
    this.n = 0;
  }
}
