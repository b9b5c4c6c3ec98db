/**
 * One benchmark trial as its own process, so the worker that asked for it keeps its event loop free for heartbeats
 * and cancellation while the simulator runs (seconds to minutes of pure CPU).
 *
 *   node --import tsx core/bench/trial-process.ts '<json TrialProcessArgs>'
 * (workers run the same module pre-bundled, without tsx: core/util/bundled-entry.ts)
 *
 * Writes results_<RUN_NAME>.txt/.json and figs/<RUN_NAME>/*.png into `outDir` and prints one JSON line
 * `{ totalRequests, entry, files }` last.
 */

import { resolvePolicies, rlCheckpointPolicy } from '../control/index.js';
import { MigflowError } from '../errors.js';
import { startedAsEntry } from '../util/started-as-entry.js';
import { writeTrialFigures } from './figures.js';
import { type BenchFiles, loadBenchSetup } from './load-setup.js';
import { comparisonEntry, writeTrialFiles } from './report.js';
import { runBench } from './runner.js';

export interface TrialProcessArgs extends BenchFiles {
  /** A baseline's registry name, or `rl` with `checkpoint`. */
  policy: string;
  /** RL checkpoint directory (when `policy` is `rl`). */
  checkpoint?: string;
  /** Also draw figs/<run_name>/{split,merge,transfer}.png (default true). */
  figures?: boolean;
  outDir: string;
}

export async function runTrialToDir(a: TrialProcessArgs) {
  const setup = loadBenchSetup(a);
  const factory =
    a.policy === 'rl'
      ? rlCheckpointPolicy(
          a.checkpoint ??
            (() => {
              throw new MigflowError('trial process: policy "rl" needs a checkpoint — fix: pass checkpoint');
            })(),
        )
      : resolvePolicies([a.policy])[0]!;
  const { prepared, trials } = runBench(setup, [factory]);
  const trial = trials[0]!;
  const files = writeTrialFiles(a.outDir, prepared, trial);
  if (a.figures !== false) files.push(...(await writeTrialFigures(a.outDir, prepared, trial)));
  return { totalRequests: prepared.trace.totalRequests, entry: comparisonEntry(trial), files };
}

if (startedAsEntry('trial-process')) {
  try {
    const result = await runTrialToDir(JSON.parse(process.argv[2] ?? '{}') as TrialProcessArgs);
    const cpu = process.cpuUsage();
    // CPU seconds of this process, so a benchmark can tell a busy machine from a slow trial.
    process.stdout.write(`${JSON.stringify({ ...result, cpuS: (cpu.user + cpu.system) / 1e6 })}\n`);
  } catch (err) {
    // A user-fixable error travels back typed, so the activity can fail without retries.
    const typed =
      err instanceof MigflowError
        ? { name: err.name, message: err.message, userFixable: err.userFixable }
        : undefined;
    process.stdout.write(
      `${JSON.stringify({ error: typed ?? { name: 'Error', message: String(err instanceof Error ? err.stack : err), userFixable: false } })}\n`,
    );
    process.exitCode = 1;
  }
}
