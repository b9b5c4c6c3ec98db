/**
 * The pipeline's working copy of simulation_config.yaml. The fit stage writes its fitted values into a copy, never
 * into the user's source file unless asked (`fit.writeBack: "in-place"`): the main job must leave the checkout clean.
 * The copy lives under artifacts/pipeline/simulation-configs/<hash of the source's content>/, so every run on the same
 * source shares it — a re-run finds the fitted values already there and the write-back changes nothing (once per
 * change, never twice) — and editing the source gives a new copy.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { sha256Hex } from '../cache/index.js';
import { ConfigError } from '../errors.js';
import { writeFileAtomic } from '../util/index.js';

export interface WorkingConfig {
  /** The copy downstream stages read. */
  readonly path: string;
  /** True when this call made the copy (first run on this source content). */
  readonly created: boolean;
}

export function workingSimulationConfig(source: string, artifactsRoot: string): WorkingConfig {
  if (!existsSync(source)) {
    throw new ConfigError(
      source,
      'simulationConfig',
      'the simulation config does not exist',
      'point simulationConfig at a simulation_config.yaml (the shipped one is configs/simulation_config.yaml)',
    );
  }
  const text = readFileSync(source);
  const dir = join(artifactsRoot, 'pipeline', 'simulation-configs', sha256Hex(text).slice(0, 24));
  const path = join(dir, basename(source));
  if (existsSync(path)) return { path, created: false };
  mkdirSync(dirname(path), { recursive: true });
  // Atomic: a crash mid-copy leaves no half file for the next attempt to mistake for the copy.
  writeFileAtomic(path, text);
  return { path, created: true };
}
