/**
 * Write-back of what profiling measured (and the fit stage fitted) into simulation_config.yaml — the step the reference leaves to a human
 * copying numbers by hand. Each profiled (agent, GPU model, MIG profile) entry under `simulation.agents` gets its
 * α/β/σ for prefill and tpot, kv_cache_GB, restart_time, generate_path (and model). Comments, key order and every
 * other byte stay as they were (core/config/yaml-writeback splices only changed scalars); the file is replaced
 * atomically, and not touched at all when nothing changed, so a second identical write-back is a no-op.
 */
import { ConfigError } from '../errors.js';
import { isAgentName } from '../mig/index.js';
import { engineEntryPath, readSimulationDocument } from './simulation-document.js';
import { writeBackYaml, type YamlEdit } from './yaml-writeback.js';

/** KiB per GiB: kv_cache_GB is GiB in the reference (PC9). */
const KIB_PER_GIB = 1048576;

export interface LatencyFit {
  alpha: number;
  beta: number;
  sigma: number;
}

/** What one profiling run measured for one engine entry; fields left out are not touched. */
export interface ProfileMeasurement {
  agent: string;
  gpuModel: string;
  /** MIG profile name as the config spells it, e.g. `1g.10gb`. */
  profile: string;
  model?: string;
  prefill?: LatencyFit;
  tpot?: LatencyFit;
  kvCacheGb?: number;
  restartTimeS?: number;
  generatePath?: string;
}

/** `GPU KV cache size: N tokens` → GiB with the model's KV bytes per token (PC9). */
export function kvCacheGbFromTokens(tokens: number, kvPerTokenKb: number): number {
  return (tokens * kvPerTokenKb) / KIB_PER_GIB;
}

function check(file: string, field: string, ok: boolean, problem: string, fix: string): void {
  if (!ok) throw new ConfigError(file, field, problem, fix);
}

function editsFor(file: string, m: ProfileMeasurement, models: Record<string, unknown>): YamlEdit[] {
  const base = engineEntryPath(m.agent, m.gpuModel, m.profile);
  const where = base.join('.');
  check(
    file,
    where,
    isAgentName(m.agent),
    `unknown agent ${JSON.stringify(m.agent)}`,
    'use CodingAgent, RAGAgent or ChatAgent',
  );
  check(
    file,
    where,
    /^\d+g\.\d+gb$/.test(m.profile),
    `${JSON.stringify(m.profile)} is not a MIG profile name`,
    'name it like 1g.10gb',
  );
  check(file, where, m.gpuModel.length > 0, 'empty GPU model', 'name the GPU model, e.g. A100_40GB');
  if (m.model !== undefined) {
    check(
      file,
      `${where}.model`,
      Object.hasOwn(models, m.model),
      `model ${JSON.stringify(m.model)} is not in the model registry`,
      `add it under model: first (known: ${Object.keys(models).join(', ')})`,
    );
  }
  const edits: YamlEdit[] = [];
  const put = (path: string[], value: number | string, ok: boolean, rule: string) => {
    check(
      file,
      [...base, ...path].join('.'),
      ok,
      `${JSON.stringify(value)} is not ${rule}`,
      'rerun profiling',
    );
    edits.push({ path: [...base, ...path], value });
  };
  if (m.model !== undefined) put(['model'], m.model, true, '');
  if (m.generatePath !== undefined) put(['generate_path'], m.generatePath, m.generatePath !== '', 'a path');
  if (m.kvCacheGb !== undefined) {
    put(['kv_cache_GB'], m.kvCacheGb, Number.isFinite(m.kvCacheGb) && m.kvCacheGb > 0, 'a positive number');
  }
  if (m.restartTimeS !== undefined) {
    put(
      ['restart_time'],
      m.restartTimeS,
      Number.isFinite(m.restartTimeS) && m.restartTimeS > 0,
      'a positive number of seconds',
    );
  }
  for (const kind of ['prefill', 'tpot'] as const) {
    const fit = m[kind];
    if (!fit) continue;
    put(['param', kind, 'alpha'], fit.alpha, Number.isFinite(fit.alpha), 'a finite number');
    put(['param', kind, 'beta'], fit.beta, Number.isFinite(fit.beta), 'a finite number');
    put(['param', kind, 'sigma'], fit.sigma, Number.isFinite(fit.sigma) && fit.sigma >= 0, 'a number ≥ 0');
  }
  return edits;
}

/**
 * Writes every measurement into `file` in one atomic replacement. Entries that do not exist yet are created
 * (a newly profiled MIG profile); `changed` is false, and the file untouched, when all values are already there.
 */
export function writeBackProfiles(
  file: string,
  measurements: readonly ProfileMeasurement[],
): { changed: boolean; edits: number } {
  const models = readSimulationDocument(file).model ?? {};
  const edits = measurements.flatMap((m) => editsFor(file, m, models));
  const { changed } = writeBackYaml(file, edits, { createMissing: true });
  return { changed, edits: edits.length };
}
