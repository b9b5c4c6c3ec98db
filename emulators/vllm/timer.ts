/**
 * Sub-millisecond deadlines. Node's setTimeout fires up to ~1 ms late (it works in whole milliseconds), which
 * would bias every emulated latency upward by about the size of the prefill α being fitted; so the timer sleeps
 * until about 1 ms before the deadline and finishes the wait with setImmediate turns, which still serve I/O.
 */
import { performance } from 'node:perf_hooks';

export function atDeadline(deadlineMs: number, fn: () => void): { cancel(): void } {
  let cancelled = false;
  let handle: NodeJS.Timeout | NodeJS.Immediate | undefined;
  const check = () => {
    if (cancelled) return;
    const rem = deadlineMs - performance.now();
    if (rem > 1.5) handle = setTimeout(check, Math.floor(rem - 1));
    else if (rem > 0.02) handle = setImmediate(check);
    else fn();
  };
  check();
  return {
    cancel() {
      cancelled = true;
      if (handle) {
        clearTimeout(handle as NodeJS.Timeout);
        clearImmediate(handle as NodeJS.Immediate);
      }
    },
  };
}
