/** Write-back of measured values into a copy of simulation_config.yaml: right entry, comments kept, idempotent. */
import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadSimulationConfig } from '../../../core/config/simulation.js';
import {
  kvCacheGbFromTokens,
  type ProfileMeasurement,
  writeBackProfiles,
} from '../../../core/config/simulation-writeback.js';
import { ConfigError } from '../../../core/errors.js';
import { useSimulationConfigCopy } from '../../helpers/fit-fixture.js';

const copy = useSimulationConfigCopy('wb');

const measured: ProfileMeasurement = {
  agent: 'CodingAgent',
  gpuModel: 'A100_40GB',
  profile: '3g.20gb',
  model: 'qwen2.5-7b-instruct',
  prefill: { alpha: 0.0311, beta: 0.000123456789012345, sigma: 0.0042 },
  tpot: { alpha: 0.0205, beta: 0.00124, sigma: 0.00085 },
  kvCacheGb: kvCacheGbFromTokens(35225, 192),
  restartTimeS: 12.25,
  generatePath: 'profiling_results/generated/emulated.jsonl',
};

type Entry = Record<string, unknown> & { param: Record<string, Record<string, number>> };
function entry(text: string, agent: string, gpu: string, profile: string): Entry {
  return parse(text).simulation.agents[agent][gpu].mig[profile];
}

describe('writeBackProfiles', () => {
  it('writes α/β/σ, kv_cache_GB, restart_time and generate_path at the profiled entry and nowhere else', () => {
    const before = readFileSync(copy.file, 'utf8');
    expect(writeBackProfiles(copy.file, [measured]).changed).toBe(true);
    const after = readFileSync(copy.file, 'utf8');
    const e = entry(after, 'CodingAgent', 'A100_40GB', '3g.20gb');
    expect(e.param.prefill).toEqual({ alpha: 0.0311, beta: 0.000123456789, sigma: 0.0042 });
    expect(e.param.tpot).toEqual({ alpha: 0.0205, beta: 0.00124, sigma: 0.00085 });
    expect(e.kv_cache_GB).toBeCloseTo(6.44989, 5);
    expect(e.restart_time).toBe(12.25);
    expect(e.generate_path).toBe('profiling_results/generated/emulated.jsonl');
    // Every other agent/profile entry is unchanged.
    const b = parse(before);
    const a = parse(after);
    b.simulation.agents.CodingAgent.A100_40GB.mig['3g.20gb'] = null;
    a.simulation.agents.CodingAgent.A100_40GB.mig['3g.20gb'] = null;
    expect(a).toEqual(b);
    // Comments and line count are kept; only the written lines differ.
    const commentLines = (t: string) => t.split('\n').filter((l) => l.trimStart().startsWith('#'));
    expect(commentLines(after)).toEqual(commentLines(before));
    expect(after.split('\n').length).toBe(before.split('\n').length);
    // The result is still a valid simulation config.
    expect(loadSimulationConfig(copy.file).gpuModel).toBe('A100_40GB');
  });

  it('changes nothing the second time: same bytes, same mtime, changed=false', () => {
    writeBackProfiles(copy.file, [measured]);
    const first = readFileSync(copy.file);
    const mtime = statSync(copy.file).mtimeMs;
    expect(writeBackProfiles(copy.file, [measured]).changed).toBe(false);
    expect(readFileSync(copy.file).equals(first)).toBe(true);
    expect(statSync(copy.file).mtimeMs).toBe(mtime);
  });

  it('creates the entry of a profile the file does not list yet', () => {
    writeBackProfiles(copy.file, [{ ...measured, gpuModel: 'H100_80GB', profile: '1g.10gb' }]);
    const e = entry(readFileSync(copy.file, 'utf8'), 'CodingAgent', 'H100_80GB', '1g.10gb');
    expect(e.restart_time).toBe(12.25);
    expect(e.param.tpot?.beta).toBe(0.00124);
  });

  it('rejects an unknown agent, a model not in the registry and a NaN or negative fit, leaving the file untouched', () => {
    const before = readFileSync(copy.file, 'utf8');
    const bad: ProfileMeasurement[] = [
      { ...measured, agent: 'CoderAgent' },
      { ...measured, model: 'llama-9000' },
      { ...measured, tpot: { alpha: Number.NaN, beta: 0, sigma: 0 } },
      // The config's schema refuses negative latencies, so the write-back never writes one.
      { ...measured, tpot: { alpha: 0.02, beta: -1e-4, sigma: 0 } },
      { ...measured, prefill: { alpha: -0.01, beta: 1e-4, sigma: 0 } },
      { ...measured, profile: '3g' },
    ];
    for (const m of bad) {
      const err = (() => {
        try {
          writeBackProfiles(copy.file, [m]);
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).file).toBe(copy.file);
    }
    expect(readFileSync(copy.file, 'utf8')).toBe(before);
  });
});
