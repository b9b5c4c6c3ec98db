import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../../core/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'migflow-config-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const check = (files: string[]) =>
  execa(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'config', 'check', ...files], {
    cwd: PROJECT_ROOT,
    reject: false,
  });

describe('migflow config check', () => {
  it('accepts every shipped config', async () => {
    const r = await check([]);
    expect(r.exitCode).toBe(0);
    const ok = r.stdout.split('\n').filter((l) => l.startsWith('ok '));
    expect(ok).toHaveLength(11);
    expect(ok.filter((l) => /tasks\/(easy|medium|hard)\.yaml$/.test(l))).toHaveLength(3);
    // hard's simulation overlay, checked against the shipped simulation config.
    expect(ok.filter((l) => /tasks\/overlays\/long-context-rag\.yaml$/.test(l))).toHaveLength(1);
  });

  it('names the file, the field with its line, what was found and the fix, and exits 1', async () => {
    const bad = join(dir, 'deployment.yaml');
    writeFileSync(
      bad,
      readFileSync(join(PROJECT_ROOT, 'configs', 'deployment.yaml'), 'utf8').replace(
        /^decision_interval_s: .*$/m,
        'decision_interval_s: -5',
      ),
    );
    const r = await check([bad]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(
      /deployment\.yaml: decision_interval_s \(line \d+\): .*found -5 — fix: set decision_interval_s to a value > 0/,
    );
  });
});
