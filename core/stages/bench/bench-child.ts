/**
 * One benchmark trial as its own process (core/child), so the worker that asked for it keeps its event loop free
 * for heartbeats and cancellation while the simulator runs (seconds to minutes of pure CPU). Writes
 * results_<RUN_NAME>.txt/.json and figs/<RUN_NAME>/*.png into `outDir` and returns the trial's comparison entry.
 *
 *   node --import tsx core/stages/bench/bench-child.ts '<json BenchTrialArgs>'   (workers run its bundle, core/child)
 */
import type { BenchEntry } from '../../../contracts/index.js';
import {
  comparisonEntry,
  loadBenchSetup,
  runBench,
  writeTrialFigures,
  writeTrialFiles,
} from '../../bench/index.js';
import { childMain } from '../../child/index.js';
import { resolvePolicies, rlCheckpointPolicy } from '../../control/index.js';
import { MigflowError } from '../../errors.js';
import type { BenchTrialInput } from './index.js';

export type BenchTrialArgs = BenchTrialInput & { readonly outDir: string };

export interface BenchTrialOutput {
  readonly totalRequests: number;
  readonly entry: BenchEntry;
  /** Decisions run after the last one until no work was left. */
  readonly flushSteps: number;
  /** Where the arrivals came from: `seed 77`, or `trace FILE (burstgpt)`. */
  readonly workload: string;
  readonly files: string[];
}

export async function runTrialToDir(a: BenchTrialArgs): Promise<BenchTrialOutput> {
  const setup = loadBenchSetup(a);
  const factory =
    a.policy === 'rl'
      ? rlCheckpointPolicy(
          a.checkpoint ??
            (() => {
              throw new MigflowError('bench trial: policy "rl" needs a checkpoint — fix: pass checkpoint');
            })(),
        )
      : resolvePolicies([a.policy])[0]!;
  const { prepared, trials } = runBench(setup, [factory]);
  const trial = trials[0]!;
  const files = writeTrialFiles(a.outDir, prepared, trial);
  if (a.figures !== false) files.push(...(await writeTrialFigures(a.outDir, prepared, trial)));
  const workload = setup.arrivalTrace
    ? `trace ${setup.arrivalTrace.file} (${setup.arrivalTrace.layout})`
    : `seed ${prepared.bench.seed}`;
  return {
    totalRequests: prepared.trace.totalRequests,
    entry: comparisonEntry(trial),
    flushSteps: trial.flushSteps,
    workload,
    files,
  };
}

childMain('bench-child', runTrialToDir);
