/**
 * What a simulated run (a bench trial, a training run) reads, as cache keys need it: every file whose content
 * changes its results. The simulation config is loaded here exactly as the run loads it (with the task's overlay),
 * so a file the run reads through the config — a GPU model file, a model's vLLM config (max_num_batched_tokens,
 * max_model_len), a token table the overlay adds — is in the key, and a file it does not read is not.
 */
import {
  loadSimulationConfig,
  type ResolvedTask,
  simulationReferencedFiles,
  taskSimulationOptions,
} from '../config/index.js';
import { tokenTableFiles } from '../workload/index.js';

export interface SimulatedRunFilesOptions {
  /** The task the run replays (its file, its bench config and its simulation overlay are read). */
  readonly task?: ResolvedTask;
  /** False when the token lengths are synthetic or come with a trace: the generated token tables are not read. */
  readonly tokenTables: boolean;
}

/**
 * The simulation config, the task's file, bench config and overlay, the files the config refers to
 * (`simulationReferencedFiles`) and the generated token tables; each file once, config first.
 */
export function simulatedRunFiles(simulationConfig: string, o: SimulatedRunFilesOptions): string[] {
  const opts = taskSimulationOptions(o.task);
  // Also validates the simulation config (and the overlay) before anything runs.
  const simulation = loadSimulationConfig(simulationConfig, opts);
  const files = [
    simulationConfig,
    ...(o.task ? [o.task.file, o.task.bench.file] : []),
    ...(opts.overlay !== undefined ? [opts.overlay] : []),
    ...simulationReferencedFiles(simulation, opts),
    ...(o.tokenTables ? tokenTableFiles(simulation) : []),
  ];
  return [...new Set(files)];
}
