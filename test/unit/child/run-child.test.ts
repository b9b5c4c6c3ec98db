/**
 * core/child's one protocol between a stage and its child process: progress and log lines relayed, the result
 * returned, a typed error rebuilt as the same core error, a stop on the signal with what the child saved, and a
 * CPU-bound child that dies when its parent is killed.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { ChildProcessError, runChild } from '../../../core/child/index.js';
import type { ProbeArgs } from '../../fixtures/child/probe-child.js';

const PROBE = fileURLToPath(new URL('../../fixtures/child/probe-child.ts', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'migflow-run-child-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('runChild', () => {
  it('relays progress and log lines, and returns the result with the CPU it used', async () => {
    const progress: number[] = [];
    const lines: string[] = [];
    let cpuS = Number.NaN;
    const sum = await runChild<ProbeArgs, number, number>(
      PROBE,
      { mode: 'count', n: 4 },
      {
        progress: (p) => progress.push(p),
        log: (l) => lines.push(l),
        onCpu: (s) => {
          cpuS = s;
        },
      },
    );
    expect(sum).toBe(10);
    // The first report goes at once, the urgent last one too; those between fall in the throttle's gap.
    expect(progress[0]).toBe(1);
    expect(progress.at(-1)).toBe(4);
    expect(lines).toEqual(['step 1', 'step 2', 'step 3', 'step 4']);
    expect(cpuS).toBeGreaterThan(0);
  });

  it('rebuilds a user-fixable error with its type, message and context, so it stays non-retryable', async () => {
    const err = await runChild<ProbeArgs, number, number>(PROBE, { mode: 'fail' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChildProcessError);
    const e = err as ChildProcessError & { file?: string; fix?: string };
    expect(e.name).toBe('ConfigError');
    expect(e.userFixable).toBe(true);
    expect(e.message).toBe('probe.yaml: n: is negative — fix: make it positive');
    expect(e.file).toBe('probe.yaml');
    expect(e.fix).toBe('make it positive');
  });

  it('stops a graceful child on the signal and hands over what it saved', async () => {
    const ac = new AbortController();
    let saved: unknown;
    const run = runChild<ProbeArgs, number, number>(
      PROBE,
      { mode: 'stop' },
      {
        signal: ac.signal,
        onCancelled: (details) => {
          saved = details;
        },
      },
    );
    setTimeout(() => ac.abort(new Error('stop now')), 1_000);
    await expect(run).rejects.toThrow('stop now');
    expect(saved).toEqual({ saved: 'probe-checkpoint' });
  });

  it('kills a CPU-bound child whose parent was killed', async () => {
    const pidFile = join(tmp, 'spin.pid');
    // A parent process that starts the spinning child and then waits forever.
    const parent = execa(
      process.execPath,
      [
        '--import',
        'tsx',
        '--eval',
        `import(${JSON.stringify(new URL('../../../core/child/index.ts', import.meta.url).href)}).then(({ runChild }) =>
           runChild(${JSON.stringify(PROBE)}, { mode: 'spin', pidFile: ${JSON.stringify(pidFile)} }))`,
      ],
      { reject: false, env: { PROBE_ORPHAN_GRACE_MS: '500' } },
    );
    for (let i = 0; i < 300 && !existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 100));
    const child = Number(readFileSync(pidFile, 'utf8'));
    expect(alive(child)).toBe(true);
    parent.kill('SIGKILL');
    await parent;
    for (let i = 0; i < 200 && alive(child); i++) await new Promise((r) => setTimeout(r, 100));
    expect(alive(child)).toBe(false);
  });
});
