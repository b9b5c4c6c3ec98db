/**
 * Time limits for CPU-bound tests. A limit in a test only catches a hang; speed targets live in perf/ benchmarks.
 * A CPU-bound test that takes t seconds alone takes about t·L/C on a machine whose load average is L on C cores:
 * the shared 2-core dev machine runs at load 8–20 (RULES.md), so its limit is the quiet time × 10 (load 20 on two
 * cores), where a fixed 60 s ran out at load 15 for tests that take 8–10 s alone.
 */
export const CONTENTION_FACTOR = 10;

/** The limit for a test that takes `quietS` seconds of CPU on an idle machine (measured; see each call's note). */
export function cpuBoundTimeout(quietS: number): number {
  return Math.ceil(quietS * CONTENTION_FACTOR) * 1000;
}
