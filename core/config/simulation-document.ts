/**
 * simulation_config.yaml as a document, for what must work before (or without) the whole file validating: the
 * profiling stage reads a model's registry entry, and the fit stage finds which agents a profiled engine serves
 * and writes its numbers into entries that may not exist yet. The document's shape is the schema's
 * (`simulationConfigSchema`'s input type), read leniently; the YAML path of an engine entry is spelled here once.
 */
import { parse } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { readConfigText } from './load.js';
import { loadModelConfig } from './model.js';
import type { simulationConfigSchema } from './simulation.js';

/** Every part optional: what the file holds before it validates. */
type DeepPartial<T> = T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;
export type SimulationDocument = DeepPartial<z.input<typeof simulationConfigSchema>>;

/** The file's YAML, unvalidated. */
export function readSimulationDocument(file: string): SimulationDocument {
  return (parse(readConfigText(file)) as SimulationDocument | null) ?? {};
}

/** YAML path of the engine entry of (agent, GPU model, MIG profile): where its latency fits and sizes live. */
export function engineEntryPath(agent: string, gpuModel: string, profile: string): string[] {
  return ['simulation', 'agents', agent, gpuModel, 'mig', profile];
}

/** Agents whose entry for (gpuModel, profile) in `file` serves `model`: where a profiled engine's numbers belong. */
export function agentsServing(file: string, gpuModel: string, profile: string, model: string): string[] {
  const agents = readSimulationDocument(file).simulation?.agents ?? {};
  return Object.keys(agents).filter((a) => agents[a]?.[gpuModel]?.mig?.[profile]?.model === model);
}

/** What profiling needs of a model: its vLLM config file, KV bytes per token and the model id vLLM serves. */
export interface ProfiledModel {
  readonly vllmConfigFile: string;
  readonly kvPerTokenKb: number;
  readonly servedModel: string;
}

/** The model's registry entry in the simulation config, its `vllm_config` path resolved by `resolvePath`. */
export function profiledModel(
  file: string,
  model: string,
  resolvePath: (path: string) => string,
): ProfiledModel {
  const registry = readSimulationDocument(file).model ?? {};
  const entry = registry[model];
  if (!entry) {
    throw new ConfigError(
      file,
      `model.${model}`,
      'not in the model registry',
      `profile one of: ${Object.keys(registry).join(', ')}, or add it under model:`,
    );
  }
  if (typeof entry.vllm_config !== 'string' || typeof entry.kv_per_token_KB !== 'number') {
    throw new ConfigError(
      file,
      `model.${model}`,
      'needs vllm_config (a path) and kv_per_token_KB (a number)',
      'fill in both',
    );
  }
  const vllmConfigFile = resolvePath(entry.vllm_config);
  return {
    vllmConfigFile,
    kvPerTokenKb: entry.kv_per_token_KB,
    servedModel: loadModelConfig(vllmConfigFile).model,
  };
}
