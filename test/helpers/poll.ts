/**
 * Waiting for a state instead of guessing a time: a fixed sleep (or a fixed number of short ones) is too short on a
 * loaded machine and wasted on a quiet one. The caller's own expectation after the wait says what went wrong.
 */

/** Resolves once `done()` holds, or quietly when `timeoutMs` has passed (the caller asserts on the state then). */
export async function pollUntil(
  done: () => boolean | Promise<boolean>,
  timeoutMs: number,
  intervalMs = 100,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await done()) && Date.now() < until) await new Promise((r) => setTimeout(r, intervalMs));
}
