/**
 * Deadlines for emulated latencies. Node's setTimeout works in whole milliseconds and fires up to ~1 ms late,
 * which would bias every emulated latency by about the size of the prefill α being fitted. In precise mode all
 * deadlines share one queue: the process sleeps with setTimeout until ~1 ms before the earliest deadline and
 * finishes the wait with setImmediate turns (which still serve I/O), firing everything that is due. Coarse mode
 * (plain setTimeout) spends no CPU waiting, for runs where timing precision matters less than CPU.
 */
import { performance } from 'node:perf_hooks';

interface Entry {
  at: number;
  fn: () => void;
  cancelled: boolean;
}

export interface Deadline {
  cancel(): void;
}

/**
 * How far behind its schedule an engine's step clock may fall and still catch up. An emulated GPU stands in for a
 * device whose clock does not stop when the host does: through a host stall (a GC pause, a loaded CI machine) the
 * late steps run back to back until the schedule is met again, so the stall shows in the gaps between tokens but
 * not in a request's decode time, which is what profiling fits. Further behind than this the engine is treated as
 * overloaded and its clock restarts from now, so that an emulator that cannot keep up does not burst forever. With
 * 50 ms, one 100-ms stall in a CI run moved a fitted TPOT intercept by 6 %.
 */
export const CATCH_UP_WINDOW_MS = 1000;

let precise = true;
/** Switches between the shared precise queue (default) and plain setTimeout. */
export function setPreciseTimers(on: boolean): void {
  precise = on;
}

// Sorted by deadline (insertion keeps order; the queue is short: one entry per prefilling request + one step).
const queue: Entry[] = [];
let armed: NodeJS.Timeout | NodeJS.Immediate | undefined;
let armedKind: 'timeout' | 'immediate' | undefined;

function disarm(): void {
  if (armedKind === 'timeout') clearTimeout(armed as NodeJS.Timeout);
  else if (armedKind === 'immediate') clearImmediate(armed as NodeJS.Immediate);
  armed = undefined;
  armedKind = undefined;
}

function pump(): void {
  armed = undefined;
  armedKind = undefined;
  const now = performance.now();
  while (queue.length > 0 && (queue[0]!.cancelled || queue[0]!.at - now <= 0.02)) {
    const e = queue.shift()!;
    if (!e.cancelled) e.fn();
  }
  arm();
}

function arm(): void {
  if (armed || queue.length === 0) return;
  const rem = queue[0]!.at - performance.now();
  if (rem > 1.5) {
    armed = setTimeout(pump, Math.floor(rem - 1));
    armedKind = 'timeout';
  } else {
    armed = setImmediate(pump);
    armedKind = 'immediate';
  }
}

export function atDeadline(deadlineMs: number, fn: () => void): Deadline {
  if (!precise) {
    // Rounded up: Node truncates fractional delays, which would fire early.
    const t = setTimeout(fn, Math.max(0, Math.ceil(deadlineMs - performance.now())));
    return { cancel: () => clearTimeout(t) };
  }
  const e: Entry = { at: deadlineMs, fn, cancelled: false };
  let i = queue.length;
  while (i > 0 && queue[i - 1]!.at > deadlineMs) i--;
  queue.splice(i, 0, e);
  if (i === 0) disarm();
  arm();
  return {
    cancel() {
      e.cancelled = true;
    },
  };
}
