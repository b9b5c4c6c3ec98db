/**
 * Schema and loader for `configs/gpus/<GPU_MODEL>.yaml`: the MIG instance kinds of one GPU model and the logical
 * profiles the simulator must not use on it. Produces the same `GpuProfileSet` the built-ins in core/mig provide.
 */
import { basename, extname, join } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import {
  type GpuProfileSet,
  hardwareProfileName,
  LOGICAL_PROFILES,
  type LogicalProfile,
  profileSize,
} from '../mig/index.js';
import { loadYamlConfig, parseYamlConfig } from './load.js';

const logicalProfile = z.enum(LOGICAL_PROFILES as [LogicalProfile, ...LogicalProfile[]]);

export const gpuProfileSchema = z
  .object({
    logical: logicalProfile.describe(
      'logical profile this instance kind stands for: 7G, 4G, 3G, 2G, 1L or 1S',
    ),
    size: z.number().int().min(1).max(7).describe('compute slices of the instance (1..7); no default'),
    vram_gb: z
      .number()
      .positive()
      .describe('memory of the instance in GB, as in its nvidia-smi name; no default'),
  })
  .strict();

export const gpuConfigSchema = z
  .object({
    gpu_model: z
      .string()
      .min(1)
      .describe('GPU model name; must equal the file name without .yaml (e.g. A100_40GB); no default'),
    profiles: z
      .array(gpuProfileSchema)
      .length(6)
      .describe('one entry per logical profile 7G, 4G, 3G, 2G, 1L, 1S (in that order); no default'),
    unsupported_profiles: z
      .array(logicalProfile)
      .default([])
      .describe('logical profiles that exist on the hardware but must never be used; default []'),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    cfg.profiles.forEach((p, i) => {
      if (p.logical !== LOGICAL_PROFILES[i]) {
        ctx.addIssue({
          code: 'custom',
          path: ['profiles', i, 'logical'],
          message: `entry ${i} must be the ${LOGICAL_PROFILES[i]} profile (order 7G, 4G, 3G, 2G, 1L, 1S)`,
        });
      } else if (p.size !== profileSize(p.logical)) {
        ctx.addIssue({
          code: 'custom',
          path: ['profiles', i, 'size'],
          message: `a ${p.logical} instance has ${profileSize(p.logical)} compute slices`,
        });
      }
    });
  });

export type GpuConfig = z.input<typeof gpuConfigSchema>;
/** A validated GPU file, as core/mig uses it. */
export type ResolvedGpuConfig = GpuProfileSet;

function resolve(file: string, cfg: z.output<typeof gpuConfigSchema>): ResolvedGpuConfig {
  const ext = extname(file);
  const stem = basename(file, ext);
  if ((ext === '.yaml' || ext === '.yml') && stem !== cfg.gpu_model) {
    throw new ConfigError(
      file,
      'gpu_model',
      `names ${JSON.stringify(cfg.gpu_model)} but the file is ${basename(file)}`,
      `rename the file to ${cfg.gpu_model}.yaml or set gpu_model: ${stem}`,
    );
  }
  return {
    gpuModel: cfg.gpu_model,
    profiles: cfg.profiles.map((p) => ({
      name: hardwareProfileName(p.size, p.vram_gb),
      sizeSlices: p.size,
      vramGb: p.vram_gb,
      logical: p.logical,
    })),
    unsupported: [...new Set(cfg.unsupported_profiles)],
  };
}

/** Reads and validates one GPU profile file. */
export function loadGpuConfig(file: string): ResolvedGpuConfig {
  return resolve(file, loadYamlConfig(file, gpuConfigSchema));
}

/** Validates GPU profile YAML text; `file` names it in messages. */
export function parseGpuConfig(file: string, text: string): ResolvedGpuConfig {
  return resolve(file, parseYamlConfig(file, text, gpuConfigSchema));
}

/** Loads `<gpuDir>/<gpuModel>.yaml`, naming the missing file and the models it expects when absent. */
export function loadGpuModel(gpuDir: string, gpuModel: string): ResolvedGpuConfig {
  return loadGpuConfig(join(gpuDir, `${gpuModel}.yaml`));
}
