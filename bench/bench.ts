/**
 * Wall time of the simulated benchmark for all baselines on the default bench (1024 decisions each), run serially
 * and fanned out over two workers, and the ratio. A "worker" here is a slot running the bench's trial child process
 * (core/bench/trial-process.ts), exactly what each benchPolicy activity spawns, so the fan-out figure is what
 * BenchWorkflow gets from two activity slots (Temporal's own overhead is measured by bench:orchestration).
 * Prints one JSON object.
 *
 *   npx tsx bench/bench.ts [--steps 1024] [--workers 2] [--policies static_no_mig,static_split_extreme,heuristic,qas]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { ALL_BASELINES } from '../core/bench/registry.js';
import { trialProcessArgv } from '../core/bench/trial-argv.js';
import type { TrialProcessArgs } from '../core/bench/trial-process.js';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '1024' },
    workers: { type: 'string', default: '2' },
    policies: { type: 'string', default: ALL_BASELINES.join(',') },
  },
});
const steps = Number(values.steps);
const workers = Number(values.workers);
const policies = values.policies.split(',');
const out = mkdtempSync(join(tmpdir(), 'migflow-bench-bench-'));

async function trial(policy: string, mode: string): Promise<{ wallS: number; cpuS: number }> {
  const args: TrialProcessArgs = {
    policy,
    simulationConfig: 'configs/simulation_config.yaml',
    trainingConfig: 'configs/training_config.yaml',
    benchConfig: 'configs/bench_config.yaml',
    syntheticTokens: true,
    steps,
    outDir: join(out, mode, policy),
  };
  const started = performance.now();
  const child = await execa(process.execPath, trialProcessArgv(args), {
    reject: false,
  });
  const last = JSON.parse(child.stdout.trim().split('\n').at(-1) ?? '{}') as {
    error?: { message: string };
    cpuS?: number;
  };
  if (child.exitCode !== 0 || last.error)
    throw new Error(`${policy}: ${last.error?.message ?? child.stderr}`);
  return { wallS: (performance.now() - started) / 1000, cpuS: last.cpuS ?? Number.NaN };
}

/** Runs every policy with at most `slots` trials at a time; returns wall seconds and per-trial seconds. */
async function fanOut(slots: number, mode: string) {
  const queue = [...policies];
  const perTrialS: Record<string, number> = {};
  let cpuS = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: slots }, async () => {
      for (let p = queue.shift(); p !== undefined; p = queue.shift()) {
        const r = await trial(p, mode);
        perTrialS[p] = r.wallS;
        cpuS += r.cpuS;
      }
    }),
  );
  const wallS = (performance.now() - started) / 1000;
  return { wallS, perTrialS, cpuS, coresUsed: cpuS / wallS };
}

try {
  const loadBefore = loadavg()[0];
  const serial = await fanOut(1, 'serial');
  const parallel = await fanOut(workers, 'parallel');
  const round = (x: number) => Math.round(x * 100) / 100;
  process.stdout.write(
    `${JSON.stringify(
      {
        benchmark: 'bench',
        fanOut: 'trial child processes (what each benchPolicy activity runs), at most `workers` at a time',
        policies,
        steps,
        workers,
        serialWallS: round(serial.wallS),
        fanOutWallS: round(parallel.wallS),
        speedup: round(serial.wallS / parallel.wallS),
        target: 1.8,
        serialPerTrialS: Object.fromEntries(Object.entries(serial.perTrialS).map(([k, v]) => [k, round(v)])),
        fanOutPerTrialS: Object.fromEntries(
          Object.entries(parallel.perTrialS).map(([k, v]) => [k, round(v)]),
        ),
        // CPU seconds of the trial processes / wall time: how many cores each mode actually got. On an idle
        // machine serial ≈ 1 and fan-out ≈ workers; when the two are close, the machine, not the code, is the limit.
        serialCpuS: round(serial.cpuS),
        serialCoresUsed: round(serial.coresUsed),
        fanOutCoresUsed: round(parallel.coresUsed),
        cpus: availableParallelism(),
        loadAvg1mBefore: round(loadBefore ?? 0),
        loadAvg1mAfter: round(loadavg()[0] ?? 0),
      },
      null,
      2,
    )}\n`,
  );
} finally {
  rmSync(out, { recursive: true, force: true });
}
