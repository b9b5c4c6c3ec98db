/**
 * The task suite: named benchmark workloads of rising difficulty under configs/tasks/ — `easy` (the reference's
 * workload, today's default bench), `medium` (BurstGPT-shaped bursts), `hard` (the agents' loads swap, more than
 * any fixed split of the slices can serve) — each turned into a `BenchSetup` that `runBench` replays to every
 * policy. docs/tasks.md explains how each is built and why.
 */

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchStartRule } from '../../contracts/index.js';
import {
  checkTrainingCoversSimulation,
  loadSimulationConfig,
  loadTaskConfig,
  loadTrainingConfig,
  type ResolvedTask,
  taskSimulationOptions,
} from '../config/index.js';
import { ConfigError } from '../errors.js';
import type { AgentName } from '../mig/index.js';
import { PROJECT_ROOT } from '../paths.js';
import type { TokenTable } from '../sim/index.js';
import {
  generateBurstyTrace,
  loadTokenTables,
  syntheticTokenTables,
  withLongPrompts,
} from '../workload/index.js';
import type { BenchSetup } from './runner.js';

/** The shipped suite, easiest first: what `--task all` runs. */
export const TASK_SUITE = ['easy', 'medium', 'hard'] as const;

export const TASKS_DIR = join(PROJECT_ROOT, 'configs', 'tasks');

/**
 * Task files for `--task` values: `all` → the suite in order, a suite name → configs/tasks/<name>.yaml, a path to
 * a `.yaml` file → that file (a task of one's own). Duplicates are dropped, order kept.
 */
export function taskFiles(names: readonly string[], dir = TASKS_DIR): string[] {
  const out: string[] = [];
  const add = (f: string) => {
    if (!out.includes(f)) out.push(f);
  };
  for (const name of names) {
    if (name === 'all') for (const t of TASK_SUITE) add(join(dir, `${t}.yaml`));
    else if ((TASK_SUITE as readonly string[]).includes(name)) add(join(dir, `${name}.yaml`));
    else if (/\.ya?ml$/.test(name) && existsSync(name)) add(name);
    else
      throw new ConfigError(
        '--task',
        name,
        'is neither a task of the suite nor an existing task file',
        `use ${[...TASK_SUITE, 'all'].join(', ')} or the path of a task .yaml`,
      );
  }
  if (out.length === 0)
    throw new ConfigError('--task', '', 'names no task', 'pass --task all or a task name');
  return out;
}

export interface TaskBenchFiles {
  readonly simulationConfig: string;
  readonly trainingConfig: string;
  readonly syntheticTokens: boolean;
  /** Replaces the task's seed. */
  readonly seed?: number;
  /** Replaces the task's benchmark length. */
  readonly steps?: number;
  /** Where each trial starts (runner.ts); default `own`. */
  readonly start?: BenchStartRule;
}

/** A task as a bench run: its bench config (seed, length, patterns), its trace generator, token lengths. */
export function taskBenchSetup(task: ResolvedTask, f: TaskBenchFiles): BenchSetup {
  const simulation = loadSimulationConfig(f.simulationConfig, taskSimulationOptions(task));
  const training = loadTrainingConfig(f.trainingConfig);
  checkTrainingCoversSimulation(training, simulation);
  const seed = f.seed ?? task.bench.seed;
  const workload = task.workload;
  return {
    simulation,
    training,
    bench: task.bench,
    tokens: taskTokens(
      task,
      f.syntheticTokens ? syntheticTokenTables(seed) : loadTokenTables(simulation),
      seed,
    ),
    seed,
    ...(task.kvCapacity ? { kvCapacityRule: true } : {}),
    ...(f.steps !== undefined ? { steps: f.steps } : {}),
    ...(f.start !== undefined ? { start: f.start } : {}),
    ...(workload.kind === 'bursty'
      ? { generateTrace: (o) => generateBurstyTrace({ ...o, spec: workload.spec }) }
      : {}),
  };
}

/** The token tables with the task's long prompts in place (seeded by the bench seed), or as they are. */
export function taskTokens(
  task: ResolvedTask,
  tokens: (agent: AgentName, model: string) => TokenTable,
  seed: number,
): (agent: AgentName, model: string) => TokenTable {
  return task.longPrompts ? withLongPrompts(tokens, task.longPrompts, seed) : tokens;
}

export { loadTaskConfig, type ResolvedTask };
