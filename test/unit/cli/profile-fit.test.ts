/** `migflow profile fit-prefill|fit-tpot` print the fitted parameters as JSON and fail with the file and key. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../../core/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'migflow-cli-fit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const migflow = (args: string[]) =>
  execa(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'profile', ...args], {
    cwd: PROJECT_ROOT,
    reject: false,
  });

describe('migflow profile fit-*', () => {
  it('fit-prefill prints α, β, σ, r² as JSON and writes the param file', async () => {
    const input = join(dir, 'prefill-m-1g.10gb-t.json');
    writeFileSync(
      input,
      JSON.stringify({ input_lens: [100, 200, 300, 400, 500], ttfts: [0.05, 0.07, 0.1, 0.11, 0.14] }),
    );
    const r = await migflow(['fit-prefill', '--input', input, '--out', join(dir, 'out'), '--no-plot']);
    expect(r.exitCode).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.alpha).toBeCloseTo(0.028, 12);
    expect(out.beta).toBeCloseTo(0.00022, 15);
    expect(out.paramFile).toBe(join(dir, 'out', 'prefill-m-1g.10gb-t-param.json'));
    // Published whole with a manifest of what it holds.
    const marker = JSON.parse(readFileSync(join(dir, 'out', '.migflow-output.json'), 'utf8'));
    expect(marker.command).toBe('migflow profile fit-prefill');
    expect(Object.keys(marker.files)).toEqual(['prefill-m-1g.10gb-t-param.json']);
  });

  it('fit-prefill writes a falling line as the reference does, and warns that the write-back would refuse it', async () => {
    const input = join(dir, 'prefill-pc6.json');
    writeFileSync(
      input,
      JSON.stringify({ input_lens: [100, 200, 300, 400, 500, 600], ttfts: [0.05, 0.07, 0.1, 0.11, 0.14, 0] }),
    );
    const out = join(dir, 'out-pc6');
    const r = await migflow(['fit-prefill', '--input', input, '--out', out, '--no-plot', '--include-failed']);
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'prefill-pc6-param.json'), 'utf8')).beta).toBeLessThan(0);
    expect(r.stderr).toContain(`warning: ${input}: prefill.beta = -0.00000857`);
    expect(r.stderr).toContain('the fit stage would refuse to write this fit into a simulation config');
  });

  it('fit-tpot prints the fit over the sweep folder; a NaN gap exits 1 naming the file and key', async () => {
    const sweep = join(dir, 'sweep');
    mkdirSync(sweep);
    writeFileSync(
      join(sweep, 'tpot-m-concurrency-1-t.json'),
      '{"max_concurrency": 1, "itls": [[0.021], [0.022]]}',
    );
    writeFileSync(
      join(sweep, 'tpot-m-concurrency-2-t.json'),
      '{"max_concurrency": 2, "itls": [[0.023], [0.024]]}',
    );
    // The prefill fit's folder is not fit-tpot's to replace (each --out is published whole).
    const foreign = await migflow(['fit-tpot', '--input-dir', sweep, '--out', join(dir, 'out'), '--no-plot']);
    expect(foreign.exitCode).toBe(1);
    expect(foreign.stderr).toContain('--out');
    expect(foreign.stderr).toContain('`migflow profile fit-prefill` wrote them');
    const ok = await migflow(['fit-tpot', '--input-dir', sweep, '--out', join(dir, 'tpot'), '--no-plot']);
    expect(ok.exitCode).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ sample_size_requests: 4, levels: [1, 2] });
    writeFileSync(join(sweep, 'tpot-m-concurrency-3-t.json'), '{"max_concurrency": 3, "itls": [[NaN]]}');
    const bad = await migflow(['fit-tpot', '--input-dir', sweep, '--out', join(dir, 'tpot'), '--no-plot']);
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toContain('tpot-m-concurrency-3-t.json: itls[0][0]: not a finite number (NaN)');
  });
});
