/**
 * CPU seconds of the calling thread (main or worker), from /proc/thread-self/stat on Linux (10 ms resolution);
 * undefined elsewhere. Node's process.cpuUsage() sums every thread, which cannot split a run between simulator
 * workers and the network.
 */
import { readFileSync } from 'node:fs';

/** Linux reports thread times in USER_HZ ticks, 100 per second on every mainstream build. */
const TICKS_PER_S = 100;

export function threadCpuS(): number | undefined {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    // Fields after the parenthesised command name start at field 3; utime and stime are fields 14 and 15.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / TICKS_PER_S;
  } catch {
    return undefined;
  }
}
