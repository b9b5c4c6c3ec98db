/** `migflow server` against a server that already runs, and search attributes on an existing namespace. */
import { execa } from 'execa';
import { describe, expect, inject, it } from 'vitest';
import { PROJECT_ROOT } from '../../core/paths.js';
import { ensureSearchAttributes } from '../../tools/dev-server.js';

describe('migflow server', () => {
  it('is a no-op with a clear message when a server already answers on the address', async () => {
    const [, port] = inject('temporalAddress').split(':');
    const r = await execa(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'server', '--port', port!], {
      cwd: PROJECT_ROOT,
      reject: false,
      timeout: 60_000,
    });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`already running at 127\\.0\\.0\\.1:${port}; nothing to do`));
  });

  it('registers search attributes a namespace created earlier lacks, once', async () => {
    const cli = inject('temporalCli');
    const address = inject('temporalAddress');
    const attrs = { MigflowStage: 'Keyword', MigflowLateAddition: 'Keyword' };
    expect(await ensureSearchAttributes(cli, address, 'default', attrs)).toEqual(['MigflowLateAddition']);
    expect(await ensureSearchAttributes(cli, address, 'default', attrs)).toEqual([]);
    const list = await execa(cli, [
      'operator',
      'search-attribute',
      'list',
      '--address',
      address,
      '-o',
      'json',
    ]);
    expect(JSON.parse(list.stdout).customAttributes.MigflowLateAddition).toBe('INDEXED_VALUE_TYPE_KEYWORD');
  });
});
