/**
 * The fit stage: both latency fits of one profiling result (TTFT = α + β·input_tokens and ITL = α + β·N, with σ,
 * r² and plots) in a child process (./fit-child.ts), cached on the bench JSONs' content; then every fit of a run
 * written into simulation_config.yaml at once (`writeFits`, through core/config's write-back: comments kept, one
 * atomic write, a repeat changes nothing) — unless a fitted line is non-physical (core/profiling/fit-physical.ts),
 * which leaves the file untouched.
 */
import { basename, isAbsolute, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FitResult, ProfiledEntry, WriteBackResult } from '../../../contracts/index.js';
import type { CachedStage, StageContext } from '../../cache/index.js';
import { bundledEntrySourceDigest, runChild } from '../../child/index.js';
import {
  agentsServing,
  type PowerMeasurement,
  type ProfileMeasurement,
  writeBackProfiles,
} from '../../config/index.js';
import { ConfigError } from '../../errors.js';
import { PROJECT_ROOT } from '../../paths.js';
import { benchFilesIn, refuseNonPhysicalFits } from '../../profiling/index.js';
import type { FitChildArgs, FitChildResult, FitInput } from './types.js';

export const FIT_CHILD = fileURLToPath(new URL('./fit-child.ts', import.meta.url));
/**
 * Bump when the stage's own handling of the fits changes what is published; the fit process's code enters the key
 * by its digest, so a change there misses the cache without a bump.
 */
const FIT_CODE_VERSION = 'fit-2';

/** What the cache manifest keeps: the fitted numbers, and the -param.json files' names in the entry. */
export type FitSummary = Pick<FitResult, 'prefill' | 'tpot' | 'prefillParamFile' | 'tpotParamFile'>;

export type { FitChildArgs, FitChildResult, FitInput } from './types.js';

export const fitStage: CachedStage<FitInput, FitSummary> = {
  name: 'fit',

  async request(f) {
    return {
      stage: 'fit',
      codeVersion: `${FIT_CODE_VERSION}+${await bundledEntrySourceDigest(FIT_CHILD)}`,
      inputs: { includeFailed: f.includeFailed },
      inputFiles: [f.prefillFile, ...benchFilesIn(f.tpotDir)],
    };
  },

  async run(f, outDir, ctx: StageContext = {}) {
    const { prefill: pre, tpot } = await runChild<FitChildArgs, never, FitChildResult>(
      FIT_CHILD,
      { ...f, outDir },
      { ...ctx, what: 'fit' },
    );
    return {
      prefill: {
        alpha: pre.alpha,
        beta: pre.beta,
        sigma: pre.sigma,
        r_squared: pre.r_squared,
        samples: pre.sample_size_requests,
        droppedFailed: pre.dropped_failed,
        minInputTokens: pre.min_input_tokens,
      },
      tpot: {
        alpha: tpot.alpha,
        beta: tpot.beta,
        sigma: tpot.sigma,
        r_squared: tpot.r_squared,
        samples: tpot.sample_size_requests,
      },
      prefillParamFile: basename(pre.paramFile),
      tpotParamFile: basename(tpot.paramFile),
    };
  },
};

/** A path inside the project as the configs write them (relative to the project root); others stay absolute. */
function projectRelative(path: string): string {
  const rel = relative(PROJECT_ROOT, path);
  return rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}

/**
 * Writes every fit, with its profiling result's KV-cache size, restart time and generated token file, into the
 * engine entries of `simulationConfig` that serve the profiled model (or the agents the target named).
 */
export function writeFits(
  simulationConfig: string,
  entries: readonly { profile: ProfiledEntry; fit: FitResult }[],
): WriteBackResult {
  // Before anything is written: one refused fit leaves the whole file as it was (the -param.json files stay).
  refuseNonPhysicalFits(
    simulationConfig,
    entries.map(({ profile: p, fit }) => ({
      entry: `${p.model} on ${p.gpuModel} ${p.profile}`,
      prefillFile: p.prefillFile,
      tpotDir: p.tpotDir,
      prefill: fit.prefill,
      tpot: fit.tpot,
    })),
  );
  const measurements: ProfileMeasurement[] = [];
  const written: string[] = [];
  const power: PowerMeasurement[] = [];
  const powerLines: string[] = [];
  for (const { profile: p } of entries) {
    const where = `${p.gpuModel} ${p.profile}`;
    if (p.power?.status === 'measured') {
      power.push({
        gpuModel: p.gpuModel,
        profile: p.profile,
        idleW: p.power.idleW,
        dynamicW: p.power.dynamicW,
      });
      powerLines.push(
        `${where}: measured board idle ${p.power.idleW.toFixed(1)} W, +${p.power.dynamicW.toFixed(1)} W at full utilisation (${p.power.samples} power.draw samples, ${p.power.busySamples} busy) → power.${p.gpuModel}`,
      );
    } else {
      powerLines.push(
        `${where}: ${p.power ? p.power.reason : 'power was not measured'} — kept the power model's figures (the documented default of core/sim/energy.ts where the config has none)`,
      );
    }
  }
  for (const { profile: p, fit } of entries) {
    const agents = p.agents ?? agentsServing(simulationConfig, p.gpuModel, p.profile, p.model);
    if (agents.length === 0) {
      throw new ConfigError(
        simulationConfig,
        `simulation.agents.*.${p.gpuModel}.mig.${p.profile}`,
        `no agent's entry serves ${p.model} on ${p.gpuModel} ${p.profile}`,
        'name the agents in the profiling target (agents: [...]) or set model: in the entry',
      );
    }
    for (const agent of agents) {
      measurements.push({
        agent,
        gpuModel: p.gpuModel,
        profile: p.profile,
        model: p.model,
        prefill: { alpha: fit.prefill.alpha, beta: fit.prefill.beta, sigma: fit.prefill.sigma },
        tpot: { alpha: fit.tpot.alpha, beta: fit.tpot.beta, sigma: fit.tpot.sigma },
        kvCacheGb: p.kvCacheGb,
        restartTimeS: p.restartTimeS,
        ...(p.generatePath ? { generatePath: projectRelative(p.generatePath) } : {}),
      });
      written.push(`${agent}.${p.gpuModel}.${p.profile}`);
    }
  }
  const { changed } = writeBackProfiles(simulationConfig, measurements, power);
  return { file: simulationConfig, changed, entries: written, power: powerLines };
}
