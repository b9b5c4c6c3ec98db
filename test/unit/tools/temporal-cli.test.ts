import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ToolMissingError } from '../../../core/errors.js';
import { devServerArgs } from '../../../tools/dev-server.js';
import { cachedTemporalCliPath, ensureTemporalCli, findTemporalCli } from '../../../tools/temporal-cli.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'migflow-cli-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function fakeBinary(path: string): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, '#!/bin/sh\necho fake\n');
  chmodSync(path, 0o755);
  return path;
}

describe('finding the temporal CLI', () => {
  it('prefers TEMPORAL_CLI_PATH, then PATH, then the migflow cache', () => {
    const cacheDir = join(dir, 'cache');
    const cached = fakeBinary(cachedTemporalCliPath({ MIGFLOW_CACHE_DIR: cacheDir }));
    const onPath = fakeBinary(join(dir, 'bin', 'temporal'));
    const explicit = fakeBinary(join(dir, 'explicit', 'temporal'));
    const base = { MIGFLOW_CACHE_DIR: cacheDir, PATH: join(dir, 'bin') };
    expect(findTemporalCli({ ...base, TEMPORAL_CLI_PATH: explicit })).toEqual({
      path: explicit,
      source: 'env',
    });
    expect(findTemporalCli(base)).toEqual({ path: onPath, source: 'path' });
    expect(findTemporalCli({ ...base, PATH: '' })).toEqual({ path: cached, source: 'cache' });
    expect(cached).toBe(join(cacheDir, 'temporal-1.5.1', 'temporal'));
  });

  it('rejects a TEMPORAL_CLI_PATH that is not executable, saying what to do', () => {
    expect(() => findTemporalCli({ TEMPORAL_CLI_PATH: join(dir, 'nope') })).toThrow(
      /point TEMPORAL_CLI_PATH at an executable/,
    );
  });

  it('says exactly what to install when there is no CLI and no Go to build it', async () => {
    const err = await ensureTemporalCli({
      env: { MIGFLOW_CACHE_DIR: join(dir, 'c'), PATH: join(dir, 'empty') },
    }).catch((e) => e);
    expect(err).toBeInstanceOf(ToolMissingError);
    expect(err.message).toMatch(/go install github.com\/temporalio\/cli\/cmd\/temporal@v1\.5\.1/);
    expect(err.message).toMatch(/TEMPORAL_CLI_PATH/);
  });

  it('refuses a Go toolchain older than the CLI needs', async () => {
    fakeBinary(join(dir, 'gobin', 'go'));
    writeFileSync(join(dir, 'gobin', 'go'), '#!/bin/sh\necho go1.22.5\n');
    const err = await ensureTemporalCli({
      env: { MIGFLOW_CACHE_DIR: join(dir, 'c'), PATH: join(dir, 'gobin') },
    }).catch((e) => e);
    expect(err).toBeInstanceOf(ToolMissingError);
    expect(err.message).toMatch(/Go 1\.22 is too old.*needs >= 1\.25/);
  });
});

describe('dev server arguments', () => {
  it('binds loopback, persists to the DB file, registers search attributes and disables the version check', () => {
    const args = devServerArgs({
      cli: 'temporal',
      ip: '127.0.0.1',
      port: 7233,
      uiPort: 8233,
      dbFile: '/x/migflow.db',
      namespace: 'default',
      searchAttributes: { MigflowStage: 'Keyword', MigflowRunId: 'Keyword' },
    });
    expect(args.slice(0, 2)).toEqual(['server', 'start-dev']);
    const pairs = (flag: string) => args.flatMap((a, i) => (a === flag ? [args[i + 1]] : []));
    expect(pairs('--ip')).toEqual(['127.0.0.1']);
    expect(pairs('--ui-port')).toEqual(['8233']);
    expect(pairs('--db-filename')).toEqual(['/x/migflow.db']);
    expect(pairs('--search-attribute')).toEqual(['MigflowStage=Keyword', 'MigflowRunId=Keyword']);
    expect(pairs('--dynamic-config-value')).toContain('frontend.enableServerVersionCheck=false');
    expect(args).not.toContain('--headless');
  });
});
