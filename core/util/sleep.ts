/**
 * Waits `ms` (not at all when ≤ 0), or less when `signal` aborts first. Never rejects, so loops check the signal
 * themselves; the abort listener goes when the wait ends, so one signal can serve many waits.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
