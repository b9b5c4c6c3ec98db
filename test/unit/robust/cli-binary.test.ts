/**
 * A few bad inputs through the real `migflow` binary (bin/migflow.js): one line on stderr naming the flag or file
 * and the fix, a non-zero exit, within seconds (no stack, no hang).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../../core/paths.js';
import { cpuBoundTimeout } from '../../helpers/cpu-bound.js';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'migflow-cli-binary-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function migflow(args: readonly string[]) {
  const started = Date.now();
  const r = await execa(process.execPath, [join(PROJECT_ROOT, 'bin', 'migflow.js'), ...args], {
    cwd: PROJECT_ROOT,
    reject: false,
    // A hang guard: the CLI's cold start is 3 CPU-seconds (3.0 s wall on an idle machine), about 30 s at load 20.
    timeout: cpuBoundTimeout(5),
    env: { TEMPORAL_ADDRESS: '127.0.0.1:1' },
  });
  return { ...r, ms: Date.now() - started };
}

describe('the migflow binary on bad input', { timeout: cpuBoundTimeout(8) }, () => {
  it('deploy --duration abc: one line naming the flag, exit 1, no hang', async () => {
    const r = await migflow(['deploy', '--policy', 'heuristic', '--duration', 'abc']);
    expect(r.exitCode).toBe(1);
    expect(r.timedOut).toBe(false);
    expect(r.stderr).toContain("option '--duration <s>' argument 'abc' is invalid");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('train --steps 99999999999999999999: names the limit', async () => {
    const r = await migflow(['train', '--steps', '99999999999999999999']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('MAX_TRAIN_STEPS');
  });

  it('config check on a config with a negative latency intercept: ✗ with file, field and fix, exit 1', async () => {
    const f = join(tmp, 'simulation_config.yaml');
    const text = readFileSync(join(PROJECT_ROOT, 'configs', 'simulation_config.yaml'), 'utf8');
    writeFileSync(f, text.replace(/alpha: 0\.0/, 'alpha: -0.0'));
    const r = await migflow(['config', 'check', f]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/✗ .*simulation_config\.yaml: .*alpha.*cannot be negative.* — fix: /);
  });

  it('bench --out over a foreign folder: refused in one line before any trial, the folder untouched', async () => {
    const out = join(tmp, 'mine');
    mkdirSync(out);
    writeFileSync(join(out, 'notes.txt'), 'keep me');
    const r = await migflow([
      'bench',
      '--bl',
      'heuristic',
      '--synthetic-tokens',
      '--steps',
      '2',
      '--out',
      out,
    ]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('--out');
    expect(r.stderr).toContain('fix:');
  });

  it('run train with no Temporal server: one line saying how to start it', async () => {
    const r = await migflow(['run', 'train', '--no-progress']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('npx migflow server');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
