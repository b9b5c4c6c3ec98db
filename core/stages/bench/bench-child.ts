import { join } from 'node:path';
import {
  comparisonEntry,
  loadBenchSetup,
  loadTaskConfig,
  prepareBench,
  runTrial,
  taskBenchSetup,
  taskFiles,
  writeTrialFigures,
  writeTrialFiles,
} from '../../bench/index.js';
import { childMain } from '../../child/index.js';
import { resolvePolicies, rlCheckpointPolicy } from '../../control/index.js';
import { MigflowError } from '../../errors.js';
import { ChromeTraceRecorder } from '../../sim/index.js';
import { writeFileAtomic } from '../../util/index.js';
import type { BenchTrialArgs, BenchTrialOutput } from './types.js';

export async function runTrialToDir(a: BenchTrialArgs): Promise<BenchTrialOutput> {
  const setup = a.task ? taskBenchSetup(loadTaskConfig(taskFiles([a.task])[0]!), a) : loadBenchSetup(a);
  const factory =
    a.policy === 'rl'
      ? rlCheckpointPolicy(
          a.checkpoint ??
            (() => {
              throw new MigflowError('bench trial: policy "rl" needs a checkpoint — fix: pass checkpoint');
            })(),
        )
      : resolvePolicies([a.policy])[0]!;
  const recorder = a.chromeTrace ? new ChromeTraceRecorder() : undefined;
  const prepared = prepareBench(setup);
  const trial = runTrial(prepared, factory, recorder ? { chromeTrace: recorder } : {});
  const files = writeTrialFiles(a.outDir, prepared, trial);
  if (recorder) {
    const file = join(a.outDir, `trace_${trial.runName}.json`);
    writeFileAtomic(file, JSON.stringify(recorder.toJson()));
    files.push(file);
  }
  if (a.figures !== false) files.push(...(await writeTrialFigures(a.outDir, prepared, trial)));
  const workload = a.task
    ? `task ${a.task}, seed ${prepared.bench.seed}`
    : setup.arrivalTrace
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
