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
    // The config's schema refuses negative latencies; the fit stage explains why with the bench data
    // (core/profiling/fit-physical.ts) before it gets here — this keeps any other caller from writing one.
    put(['param', kind, 'alpha'], fit.alpha, Number.isFinite(fit.alpha) && fit.alpha >= 0, 'a number ≥ 0');
    put(['param', kind, 'beta'], fit.beta, Number.isFinite(fit.beta) && fit.beta >= 0, 'a number ≥ 0');
    put(['param', kind, 'sigma'], fit.sigma, Number.isFinite(fit.sigma) && fit.sigma >= 0, 'a number ≥ 0');
  }
  return edits;
}

/** What profiling measured of one (GPU model, MIG profile)'s power: board idle, and what the slice adds when busy. */
export interface PowerMeasurement {
  gpuModel: string;
  profile: string;
  idleW: number;
  dynamicW: number;
}

/** Compute slices of a MIG profile name (`3g.20gb` → 3). */
function computeSlices(profile: string): number {
  return Number(/^(\d+)g\./.exec(profile)?.[1] ?? Number.NaN);
}

/**
 * The `power` section edits for measured profiles (the energy model of core/sim/energy.ts): per profile
 * `idle_w` = the board's idle power × compute/7 (its share, as the default scaling does) and `max_w` = that + the
 * measured dynamic power; per GPU model `idle_w` = the mean measured board idle, and `max_w`, only where the file has
 * none, the board at full load extrapolated from its measured profiles (idle + max dynamic·7/compute).
 */
function powerEdits(
  file: string,
  power: readonly PowerMeasurement[],
  doc: ReturnType<typeof readSimulationDocument>,
): YamlEdit[] {
  const edits: YamlEdit[] = [];
  const byGpu = new Map<string, PowerMeasurement[]>();
  for (const m of power) {
    const where = `power.${m.gpuModel}.profiles.${m.profile}`;
    const c = computeSlices(m.profile);
    check(
      file,
      where,
      c >= 1 && c <= 7,
      `${JSON.stringify(m.profile)} is not a MIG profile name`,
      'name it like 1g.10gb',
    );
    check(
      file,
      where,
      Number.isFinite(m.idleW) && m.idleW >= 0 && Number.isFinite(m.dynamicW) && m.dynamicW > 0,
      `measured idle ${m.idleW} W, dynamic ${m.dynamicW} W are not a power model`,
      'rerun profiling',
    );
    byGpu.set(m.gpuModel, [...(byGpu.get(m.gpuModel) ?? []), m]);
  }
  for (const [gpu, ms] of byGpu) {
    const idleW = ms.reduce((s, m) => s + m.idleW, 0) / ms.length;
    edits.push({ path: ['power', gpu, 'idle_w'], value: idleW });
    const existingMax = doc.power?.[gpu]?.max_w;
    const maxW = Math.max(...ms.map((m) => idleW + (m.dynamicW * 7) / computeSlices(m.profile)));
    if (existingMax === undefined || existingMax < idleW)
      edits.push({ path: ['power', gpu, 'max_w'], value: maxW });
    for (const m of ms) {
      const sliceIdle = (idleW * computeSlices(m.profile)) / 7;
      edits.push({ path: ['power', gpu, 'profiles', m.profile, 'idle_w'], value: sliceIdle });
      edits.push({ path: ['power', gpu, 'profiles', m.profile, 'max_w'], value: sliceIdle + m.dynamicW });
    }
  }
  return edits;
}

/**
 * Writes every measurement into `file` in one atomic replacement. Entries that do not exist yet are created
 * (a newly profiled MIG profile); `changed` is false, and the file untouched, when all values are already there.
 * `power` (measured power per profiled GPU model and profile) goes into the `power` section in the same write.
 */
export function writeBackProfiles(
  file: string,
  measurements: readonly ProfileMeasurement[],
  power: readonly PowerMeasurement[] = [],
): { changed: boolean; edits: number } {
  const doc = readSimulationDocument(file);
  const models = doc.model ?? {};
  const edits = [...measurements.flatMap((m) => editsFor(file, m, models)), ...powerEdits(file, power, doc)];
  const { changed } = writeBackYaml(file, edits, { createMissing: true });
  return { changed, edits: edits.length };
}
