/**
 * Overhead and capacity of the streaming load generator against the vLLM emulator (a separate process, loopback
 * only). Prints one JSON object:
 * - `addedLatencyMs`: client-measured TTFT minus the emulator's own recorded TTFT for the same request
 *   (X-Request-Id), p50/p99/mean, at a moderate fixed rate — what the client adds on top of the server;
 * - `ramp`: for rising fixed request rates, what was offered, achieved and failed, and the CPU the load
 *   generator (this single-threaded process: one core at most) and the emulator used;
 * - `maxSustainedReqPerS`: the highest offered rate completed on schedule (achieved ≥ 95 % of offered) with
 *   < 1 % errors. The ramp stops at the first rate that misses, or at the top of the ramp.
 *
 *   npx tsx perf/loadgen.ts [--level-s 2] [--rates 100,250,500,750,1000,1500,2000,3000] [--latency-requests 400]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { percentile, randomRequests, runLoad } from '../core/profiling/index.js';
import { seededRng } from '../core/random/index.js';
import { spawnEmulator } from '../emulators/vllm/spawn.js';

const { values } = parseArgs({
  options: {
    'level-s': { type: 'string', default: '2' },
    rates: { type: 'string', default: '100,250,500,750,1000,1500,2000,3000' },
    'latency-requests': { type: 'string', default: '400' },
    'latency-rate': { type: 'string', default: '100' },
  },
});
const levelS = Number(values['level-s']);
const rates = values.rates.split(',').map(Number);

/** utime + stime of a process in seconds (Linux /proc). */
function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

// A short, cheap profile: the measured numbers are about the client and transport, not the emulated model.
const emu = await spawnEmulator([
  '--boot-ms',
  '0',
  '--prefill-alpha',
  '0.002',
  '--prefill-beta',
  '0',
  '--prefill-sigma',
  '0',
  '--decode-alpha',
  '0.001',
  '--decode-beta',
  '0',
  '--decode-sigma',
  '0',
  '--max-num-seqs',
  '100000',
  '--kv-cache-tokens',
  '100000000',
  // Plain timers: the emulator records its TTFT at the actual write, so precision is not needed here, and
  // spinning for it would take CPU from the load generator being measured.
  '--precise-timers',
  'false',
]);
const model = 'Qwen/Qwen2.5-7B-Instruct';
try {
  // Warm-up: JIT and keep-alive sockets.
  const rng = seededRng(7);
  await runLoad({
    baseUrl: emu.baseUrl,
    model,
    requests: randomRequests(200, { min: 4, max: 8 }, { min: 2, max: 2 }, rng),
    requestRate: 200,
    arrival: 'fixed',
    maxConcurrency: null,
    rng,
  });

  const latencyN = Number(values['latency-requests']);
  const lat = await runLoad({
    baseUrl: emu.baseUrl,
    model,
    requests: randomRequests(latencyN, { min: 4, max: 8 }, { min: 2, max: 2 }, rng),
    requestRate: Number(values['latency-rate']),
    arrival: 'poisson',
    maxConcurrency: null,
    rng,
    requestIdPrefix: 'lat',
  });
  const { records } = (await (await fetch(`${emu.baseUrl}/emulator/requests`)).json()) as {
    records: { requestId: string; ttftS: number | null }[];
  };
  const serverTtft = new Map(records.map((r) => [r.requestId, r.ttftS]));
  const added = lat.outcomes
    .filter((o) => o.success && serverTtft.get(o.requestId) != null)
    .map((o) => (o.ttftS - serverTtft.get(o.requestId)!) * 1000);

  const ramp: Record<string, number>[] = [];
  let maxSustained = 0;
  for (const rate of rates) {
    const n = Math.round(rate * levelS);
    const requests = randomRequests(n, { min: 4, max: 8 }, { min: 2, max: 2 }, rng);
    const cpu0 = process.cpuUsage();
    const emuCpu0 = cpuSeconds(emu.child.pid!);
    const run = await runLoad({
      baseUrl: emu.baseUrl,
      model,
      requests,
      requestRate: rate,
      arrival: 'fixed',
      maxConcurrency: null,
      rng,
      requestTimeoutMs: 10_000,
    });
    const cpu = process.cpuUsage(cpu0);
    const failed = run.outcomes.filter((o) => !o.success).length;
    const achieved = (n - failed) / run.durationS;
    const row = {
      offeredReqPerS: rate,
      achievedReqPerS: Math.round(achieved),
      requests: n,
      errorPct: (100 * failed) / n,
      durationS: Number(run.durationS.toFixed(3)),
      loadgenCpuPctOfOneCore: Math.round(((cpu.user + cpu.system) / 1e6 / run.durationS) * 100),
      emulatorCpuPctOfOneCore: Math.round(((cpuSeconds(emu.child.pid!) - emuCpu0) / run.durationS) * 100),
      p50TtftMs: Number(
        (
          percentile(
            run.outcomes.filter((o) => o.success).map((o) => o.ttftS),
            50,
          ) * 1000
        ).toFixed(3),
      ),
    };
    ramp.push(row);
    const ok = row.errorPct < 1 && achieved >= 0.95 * rate;
    if (!ok) break;
    maxSustained = rate;
  }

  const result = {
    bench: 'loadgen',
    node: process.version,
    cpus: (await import('node:os')).cpus().length,
    loadAverage1m: (await import('node:os')).loadavg()[0],
    addedLatencyMs: {
      requests: added.length,
      p50: Number(percentile(added, 50).toFixed(3)),
      p99: Number(percentile(added, 99).toFixed(3)),
      mean: Number((added.reduce((s, x) => s + x, 0) / Math.max(1, added.length)).toFixed(3)),
    },
    ramp,
    maxSustainedReqPerS: maxSustained,
    targets: { p50AddedMs: 2, minReqPerS: 500 },
    meetsTargets: percentile(added, 50) < 2 && maxSustained >= 500,
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  await emu.stop();
}
