/**
 * Runs every chosen policy on every chosen task of the suite: one shared trace per task, each task's result files
 * under `<out>/<task>/` as a plain bench run writes them, and the suite's score table (`scores.txt`, `.json`).
 */
import { join } from 'node:path';
import type { BenchEntry } from '../../contracts/index.js';
import type { PolicyFactory } from '../control/index.js';
import { writeFileAtomic } from '../util/index.js';
import { writeTrialFigures } from './figures.js';
import { comparisonEntry, writeComparisonEntries, writeTrialFiles } from './report.js';
import { type PreparedBench, runBench, type TrialResult } from './runner.js';
import { suiteScoreTable, type TaskScores, taskScores, taskScoreTable } from './task-scores.js';
import { loadTaskConfig, type TaskBenchFiles, taskBenchSetup } from './tasks.js';

export interface TaskSuiteOptions {
  /** Task files in the order to run (core/bench/tasks.ts `taskFiles`). */
  readonly tasks: readonly string[];
  readonly policies: readonly PolicyFactory[];
  readonly files: TaskBenchFiles;
  readonly outDir: string;
  readonly figures?: boolean;
  onTrial?(task: string, trial: TrialResult): void;
}

export interface TaskRun {
  readonly task: string;
  readonly prepared: PreparedBench;
  readonly entries: readonly BenchEntry[];
  readonly scores: TaskScores;
}

export interface TaskSuiteResult {
  readonly runs: readonly TaskRun[];
  readonly scoreText: string;
  readonly written: readonly string[];
}

export async function runTaskSuite(o: TaskSuiteOptions): Promise<TaskSuiteResult> {
  const runs: TaskRun[] = [];
  const written: string[] = [];
  // Every file is read and checked before the first (minutes-long) trial starts.
  const tasks = o.tasks.map(loadTaskConfig);
  const setups = tasks.map((t) => taskBenchSetup(t, o.files));
  for (const [i, task] of tasks.entries()) {
    const dir = join(o.outDir, task.name);
    const { prepared, trials } = runBench(setups[i]!, o.policies, (t) => o.onTrial?.(task.name, t));
    for (const t of trials) {
      written.push(...writeTrialFiles(dir, prepared, t));
      if (o.figures) written.push(...(await writeTrialFigures(dir, prepared, t)));
    }
    const entries = trials.map(comparisonEntry);
    written.push(...writeComparisonEntries(dir, entries));
    runs.push({
      task: task.name,
      prepared,
      entries,
      scores: taskScores(task.name, task.description, entries),
    });
  }
  const scoreText = [
    ...runs.map((r) => taskScoreTable(r.scores)),
    suiteScoreTable(runs.map((r) => r.scores)),
  ].join('\n\n');
  const txt = join(o.outDir, 'scores.txt');
  const json = join(o.outDir, 'scores.json');
  writeFileAtomic(txt, `${scoreText}\n`);
  writeFileAtomic(
    json,
    `${JSON.stringify(
      runs.map((r) => r.scores),
      null,
      2,
    )}\n`,
  );
  written.push(txt, json);
  return { runs, scoreText, written };
}
