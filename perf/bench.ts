/**
 * Wall time of the simulated benchmark for all baselines on the default bench (1024 decisions each), run serially
 * and fanned out over two workers, and the ratio. A "worker" here is a slot running the bench's trial child process
 * (core/stages/bench/bench-child.ts), exactly what each benchPolicy activity spawns, so the fan-out figure is what
 * BenchWorkflow gets from two activity slots (Temporal's own overhead is measured by bench:orchestration).
 * Prints one JSON object. --pin runs worker slot i on CPU i (taskset), as when each worker has a host of its own.
 *
 *   npx tsx perf/bench.ts [--steps 1024] [--workers 2] [--rounds 3] [--pin] [--policies static_no_mig,static_split_extreme,heuristic,qas]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runChild } from '../core/child/index.js';
import { ALL_BASELINES } from '../core/control/index.js';
import {
  BENCH_CHILD,
  BENCH_CHILD_NODE_FLAGS,
  type BenchTrialArgs,
  type BenchTrialOutput,
} from '../core/stages/bench/index.js';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '1024' },
    workers: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '3' },
    pin: { type: 'boolean', default: false },
    policies: { type: 'string', default: ALL_BASELINES.join(',') },
  },
});
const steps = Number(values.steps);
const workers = Number(values.workers);
const rounds = Number(values.rounds);
const pin = values.pin;
const policies = values.policies.split(',');
const out = mkdtempSync(join(tmpdir(), 'migflow-bench-bench-'));

async function trial(policy: string, mode: string, cpu?: number): Promise<{ wallS: number; cpuS: number }> {
  const args: BenchTrialArgs = {
    policy,
    simulationConfig: 'configs/simulation_config.yaml',
    trainingConfig: 'configs/training_config.yaml',
    benchConfig: 'configs/bench_config.yaml',
    syntheticTokens: true,
    steps,
    outDir: join(out, mode, policy),
  };
  const started = performance.now();
  let cpuS = Number.NaN;
  await runChild<BenchTrialArgs, never, BenchTrialOutput>(BENCH_CHILD, args, {
    what: `${policy} trial`,
    nodeFlags: BENCH_CHILD_NODE_FLAGS,
    ...(cpu === undefined ? {} : { launcher: ['taskset', '--cpu-list', String(cpu)] }),
    onCpu: (s) => {
      cpuS = s;
    },
  });
  return { wallS: (performance.now() - started) / 1000, cpuS };
}

/** Runs every policy with at most `slots` trials at a time; returns wall seconds and per-trial seconds. */
async function fanOut(slots: number, mode: string) {
  const queue = [...policies];
  const perTrialS: Record<string, number> = {};
  let cpuS = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: slots }, async (_, slot) => {
      for (let p = queue.shift(); p !== undefined; p = queue.shift()) {
        const r = await trial(p, mode, pin ? slot : undefined);
        perTrialS[p] = r.wallS;
        cpuS += r.cpuS;
      }
    }),
  );
  const wallS = (performance.now() - started) / 1000;
  return { wallS, perTrialS, cpuS, coresUsed: cpuS / wallS };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const round2 = (x: number) => Math.round(x * 100) / 100;
const perTrial = (r: Record<string, number>) =>
  Object.fromEntries(Object.entries(r).map(([k, v]) => [k, round2(v)]));

try {
  const loadBefore = loadavg()[0];
  // Serial and fan-out alternate, round by round, and each round's ratio is taken within the round: a shared
  // machine's speed drifts by tens of percent over a minute, and a pair measured back to back drifts least.
  const runs: { serial: Awaited<ReturnType<typeof fanOut>>; parallel: Awaited<ReturnType<typeof fanOut>> }[] =
    [];
  for (let r = 0; r < rounds; r++) {
    const serial = await fanOut(1, `serial-${r}`);
    const parallel = await fanOut(workers, `parallel-${r}`);
    runs.push({ serial, parallel });
  }
  const speedups = runs.map((r) => r.serial.wallS / r.parallel.wallS);
  const mid = runs[speedups.indexOf(median(speedups))] ?? runs[0]!;
  process.stdout.write(
    `${JSON.stringify(
      {
        benchmark: 'bench',
        fanOut: 'trial child processes (what each benchPolicy activity runs), at most `workers` at a time',
        policies,
        steps,
        workers,
        rounds,
        pinned: pin,
        // Medians over the rounds; `speedup` is the median of the per-round ratios.
        serialWallS: round2(median(runs.map((r) => r.serial.wallS))),
        fanOutWallS: round2(median(runs.map((r) => r.parallel.wallS))),
        speedup: round2(median(speedups)),
        speedupPerRound: speedups.map(round2),
        target: 1.8,
        // The round whose ratio is the median.
        serialPerTrialS: perTrial(mid.serial.perTrialS),
        fanOutPerTrialS: perTrial(mid.parallel.perTrialS),
        // CPU seconds of the trial processes / wall time: how many cores each mode actually got. On an idle
        // machine serial ≈ 1 and fan-out ≈ workers; when the two are close, the machine, not the code, is the limit.
        serialCpuS: round2(mid.serial.cpuS),
        fanOutCpuS: round2(mid.parallel.cpuS),
        serialCoresUsed: round2(mid.serial.coresUsed),
        fanOutCoresUsed: round2(mid.parallel.coresUsed),
        cpus: availableParallelism(),
        loadAvg1mBefore: round2(loadBefore ?? 0),
        loadAvg1mAfter: round2(loadavg()[0] ?? 0),
      },
      null,
      2,
    )}\n`,
  );
} finally {
  rmSync(out, { recursive: true, force: true });
}
