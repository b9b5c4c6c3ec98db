/** configs/validate.yaml's statistics block: the shipped values, and a bad one named by file and field. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../../core/paths.js';
import { loadValidateConfig } from '../../../core/stages/validate/index.js';
import { configErrorOf } from '../../helpers/config-error.js';

const SHIPPED = join(PROJECT_ROOT, 'configs', 'validate.yaml');
const tmp = mkdtempSync(join(tmpdir(), 'migflow-validate-config-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('validate config', () => {
  it('ships 80 requests per agent and a 95 % interval over 20 simulator runs', () => {
    const cfg = loadValidateConfig(SHIPPED);
    expect(cfg.trace.requests).toBe(80);
    expect(cfg.statistics).toEqual({ sim_runs: 20, confidence: 0.95, resamples: 1000 });
  });

  it('rejects a confidence of 1 or more, naming the file and the field', () => {
    const bad = join(tmp, 'validate.yaml');
    writeFileSync(bad, readFileSync(SHIPPED, 'utf8').replace('confidence: 0.95', 'confidence: 1.5'));
    const err = configErrorOf(() => loadValidateConfig(bad));
    expect(err.file).toBe(bad);
    expect(err.field).toMatch(/^statistics\.confidence\b/);
  });
});
