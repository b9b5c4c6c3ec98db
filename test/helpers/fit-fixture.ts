/**
 * The fit write-back tests' shared inputs: one profiled entry (qwen2.5-coder-7b-instruct for CodingAgent on an
 * A100_40GB 3g.20gb slice), a physical fit of it, and a fresh copy of configs/simulation_config.yaml per test to write
 * into.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import type { FitResult, ProfiledEntry } from '../../contracts/index.js';

export const SAMPLE_PROFILED: Readonly<ProfiledEntry> = {
  model: 'qwen2.5-coder-7b-instruct',
  profile: '3g.20gb',
  gpuModel: 'A100_40GB',
  agents: ['CodingAgent'],
  prefillFile: '/runs/a/prefill/prefill.json',
  tpotDir: '/runs/a/tpot',
  kvCacheGb: 6.4,
  restartTimeS: 12,
};

/** Positive slopes and intercepts: a fit the write-back accepts. */
export const SAMPLE_FIT: Readonly<FitResult> = {
  model: SAMPLE_PROFILED.model,
  profile: SAMPLE_PROFILED.profile,
  gpuModel: SAMPLE_PROFILED.gpuModel,
  cacheKey: 'k',
  hit: false,
  dir: '/runs/fit',
  prefill: {
    alpha: 0.03,
    beta: 0.0002,
    sigma: 0.004,
    r_squared: 0.9,
    samples: 10,
    droppedFailed: 0,
    minInputTokens: 100,
  },
  tpot: { alpha: 0.02, beta: 0.001, sigma: 0.001, r_squared: 0.9, samples: 10 },
  prefillParamFile: 'p.json',
  tpotParamFile: 't.json',
};

/**
 * Registers beforeEach/afterEach: each test gets its own temp folder holding a copy of configs/simulation_config.yaml
 * (`file`), removed after it. The fields are set once beforeEach has run.
 */
export function useSimulationConfigCopy(name: string): { readonly dir: string; readonly file: string } {
  const t = { dir: '', file: '' };
  beforeEach(() => {
    t.dir = mkdtempSync(join(tmpdir(), `migflow-${name}-`));
    t.file = join(t.dir, 'simulation_config.yaml');
    copyFileSync('configs/simulation_config.yaml', t.file);
  });
  afterEach(() => rmSync(t.dir, { recursive: true, force: true }));
  return t;
}
