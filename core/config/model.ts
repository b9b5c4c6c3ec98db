/**
 * `configs/models/<file>.yaml`: vLLM `--config` files, one per served model. migflow checks only the keys it
 * reads itself (the served model id, the batch token budget the simulator models, memory settings) and passes
 * every other vLLM option through untouched, since the file is handed to `vllm serve` as written.
 */
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { addConfigIssue } from './bench.js';
import { loadYamlConfig } from './load.js';

const RELIED_ON_KEYS = [
  'model',
  'max_num_batched_tokens',
  'max_model_len',
  'max_num_seqs',
  'gpu_memory_utilization',
  'served_model_name',
] as const;

export const ModelConfigSchema = z
  .looseObject({
    model: z
      .string()
      .min(1)
      .describe(
        'Hugging Face id (or local path) of the weights; requests name this model unless served_model_name is set. Required.',
      ),
    max_num_batched_tokens: z
      .number()
      .int()
      .positive()
      .describe('Tokens one engine step may process; the simulator models batching with it. Required.'),
    max_model_len: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('Longest prompt + completion in tokens. Default: the model’s own limit (vLLM decides).'),
    max_num_seqs: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('Most requests running at once. Default: vLLM’s default.'),
    gpu_memory_utilization: z
      .number()
      .gt(0)
      .lte(1)
      .optional()
      .describe('Fraction of the slice’s memory vLLM may use. Default: vLLM’s default (0.9).'),
    served_model_name: z
      .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
      .optional()
      .describe('Name(s) requests use instead of `model`. Default: absent.'),
  })
  .superRefine((cfg, ctx) => {
    for (const key of RELIED_ON_KEYS) {
      const dashed = key.replaceAll('_', '-');
      if (dashed !== key && dashed in cfg)
        addConfigIssue(
          ctx,
          [dashed],
          `vLLM accepts "${dashed}" but migflow reads "${key}", so this value would be invisible to the simulator`,
          `rename ${dashed} to ${key}`,
        );
    }
  });

export type ModelConfigYaml = z.output<typeof ModelConfigSchema>;

export interface ResolvedModelConfig {
  file: string;
  /** File name without `.yaml`: what the container's `--config` points at. */
  fileStem: string;
  /** The id the engine serves and requests must name. */
  servedModelId: string;
  /** Where the weights come from. */
  model: string;
  maxNumBatchedTokens: number;
  maxModelLen?: number;
  maxNumSeqs?: number;
  gpuMemoryUtilization?: number;
  /** Every key of the file, as written (vLLM reads the file itself). */
  options: Readonly<Record<string, unknown>>;
}

/**
 * The file name a model key maps to: the part after the last `/`, dots turned into underscores
 * (`qwen2.5-7b-instruct` → `qwen2_5-7b-instruct.yaml`).
 */
export function modelConfigFileName(modelKey: string): string {
  const tail = modelKey.slice(modelKey.lastIndexOf('/') + 1);
  return `${tail.replaceAll('.', '_')}.yaml`;
}

export function resolveModelConfig(file: string, cfg: ModelConfigYaml): ResolvedModelConfig {
  const served = cfg.served_model_name;
  return {
    file,
    fileStem: basename(file).replace(/\.ya?ml$/, ''),
    servedModelId: served === undefined ? cfg.model : Array.isArray(served) ? served[0]! : served,
    model: cfg.model,
    maxNumBatchedTokens: cfg.max_num_batched_tokens,
    ...(cfg.max_model_len === undefined ? {} : { maxModelLen: cfg.max_model_len }),
    ...(cfg.max_num_seqs === undefined ? {} : { maxNumSeqs: cfg.max_num_seqs }),
    ...(cfg.gpu_memory_utilization === undefined ? {} : { gpuMemoryUtilization: cfg.gpu_memory_utilization }),
    options: cfg,
  };
}

/** Reads and validates one vLLM config file. */
export function loadModelConfig(file: string): ResolvedModelConfig {
  return resolveModelConfig(file, loadYamlConfig(file, ModelConfigSchema));
}

/** The config for a model key from `dir` (e.g. `configs/models`), with a fix that lists what exists. */
export function loadModelConfigForKey(dir: string, modelKey: string): ResolvedModelConfig {
  const name = modelConfigFileName(modelKey);
  const available = listModelConfigFiles(dir);
  if (!available.includes(name))
    throw new ConfigError(
      join(dir, name),
      '',
      `no vLLM config for model "${modelKey}"`,
      `create ${join(dir, name)} or use one of: ${available.map((f) => f.replace(/\.yaml$/, '')).join(', ') || '(none)'}`,
    );
  return loadModelConfig(join(dir, name));
}

/** Every `*.yaml` in `dir`, sorted. */
export function listModelConfigFiles(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .sort();
  } catch (err) {
    throw new ConfigError(
      dir,
      '',
      `cannot list the directory (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
      'point vllm.models_dir at the directory holding the vLLM --config files (configs/models)',
      { cause: err },
    );
  }
}
