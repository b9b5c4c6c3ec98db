/** The spec's fit parity checks (PC5–PC7): α, β, σ, r² and the -param.json files the reference writes. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fitPrefillFile, fitTpotDir } from '../../../core/profiling/fit.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'migflow-fit-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function close(actual: number | null, expected: number, rel: number) {
  expect(actual).not.toBeNull();
  expect(Math.abs((actual as number) - expected)).toBeLessThanOrEqual(rel * Math.abs(expected));
}

function writeJson(file: string, data: unknown) {
  writeFileSync(file, JSON.stringify(data));
  return file;
}

const PC5 = {
  input_lens: [100, 200, 300, 400, 500],
  ttfts: [0.05, 0.07, 0.1, 0.11, 0.14],
  max_concurrency: null,
};

describe('prefill fit (PC5, PC6)', () => {
  it('PC5: recovers α=0.028, β=0.00022, σ=0.004, r²=121/123 and writes <stem>-param.json with the reference keys', async () => {
    const input = writeJson(join(dir, 'prefill-Qwen2.5-7B-Instruct-1g.10gb-20260101-000000.json'), PC5);
    const r = await fitPrefillFile(input, join(dir, 'out'), { plot: false });
    close(r.alpha, 0.028000000000000042, 1e-9);
    close(r.beta, 0.00022000000000000003, 1e-9);
    close(r.sigma, 0.003999999999999998, 1e-9);
    close(r.r_squared, 121 / 123, 1e-9);
    expect(r.paramFile).toBe(
      join(dir, 'out', 'prefill-Qwen2.5-7B-Instruct-1g.10gb-20260101-000000-param.json'),
    );
    const text = readFileSync(r.paramFile, 'utf8');
    const param = JSON.parse(text);
    expect(Object.keys(param)).toEqual([
      'alpha',
      'beta',
      'sigma',
      'r_squared',
      'unit_alpha',
      'unit_beta',
      'model_formula',
    ]);
    expect(param.unit_beta).toBe('seconds_per_token');
    expect(param.model_formula).toBe('y = beta * x + alpha + N(0, sigma^2)');
    expect(text).toMatch(/^\{\n {4}"alpha": 0\.02\d+,\n/);
  });

  const PC6 = { ...PC5, input_lens: [...PC5.input_lens, 600], ttfts: [...PC5.ttfts, 0.0] };

  it('PC6 in reference mode: a failed request (ttft 0) is fitted and drags the line', async () => {
    const input = writeJson(join(dir, 'prefill-pc6.json'), PC6);
    const r = await fitPrefillFile(input, dir, { plot: false, includeFailed: true });
    close(r.alpha, 0.08133333333333333, 1e-9);
    close(r.beta, -8.571428571428486e-6, 1e-9);
    close(r.sigma, 0.04522255372133871, 1e-9);
    close(r.r_squared, 0.0010467144795502984, 1e-9);
    expect(readFileSync(r.paramFile, 'utf8')).toContain('"beta": -8.571428571428');
  });

  it('PC6 by default: failed requests are left out and counted, reproducing PC5', async () => {
    const input = writeJson(join(dir, 'prefill-pc6.json'), PC6);
    const logs: string[] = [];
    const r = await fitPrefillFile(input, dir, { plot: false, log: (l) => logs.push(l) });
    expect(r.dropped_failed).toBe(1);
    expect(r.sample_size_requests).toBe(5);
    close(r.alpha, 0.028, 1e-9);
    close(r.beta, 0.00022, 1e-9);
    close(r.sigma, 0.004, 1e-9);
    expect(logs.join('\n')).toContain('left out 1 failed request');
  });

  it('leaves out a request whose errors entry is non-empty even when its ttft is positive', async () => {
    const input = writeJson(join(dir, 'prefill-err.json'), {
      ...PC5,
      input_lens: [...PC5.input_lens, 600],
      ttfts: [...PC5.ttfts, 9.9],
      errors: ['', '', '', '', '', 'Server disconnected'],
    });
    const r = await fitPrefillFile(input, dir, { plot: false });
    expect(r.dropped_failed).toBe(1);
    close(r.beta, 0.00022, 1e-9);
  });
});

describe('TPOT fit (PC7)', () => {
  it('fits one point per request at the configured N, skips a file without max_concurrency, and names the output like the reference', async () => {
    const sweep = join(dir, 'sweep');
    mkdirSync(sweep);
    const levels: Record<number, number[][]> = {
      1: [
        [0.02, 0.022, 0.024],
        [0.021, 0.021],
      ],
      4: [[0.025, 0.027], [0.026], []],
      8: [[0.03, 0.032, 0.031, 0.033], [0.029]],
    };
    for (const [n, itls] of Object.entries(levels)) {
      writeJson(join(sweep, `tpot-Qwen2.5-7B-Instruct-concurrency-${n}-20260101-000000.json`), {
        max_concurrency: Number(n),
        itls,
      });
    }
    writeJson(join(sweep, 'stray.json'), { max_concurrency: null, itls: [[0.5]] });
    const logs: string[] = [];
    const r = await fitTpotDir(sweep, join(dir, 'out'), { plot: false, log: (l) => logs.push(l) });
    close(r.alpha, 0.0205439189189189, 1e-12);
    close(r.beta, 0.00123986486486486, 1e-12);
    close(r.sigma, 0.000853417876583372, 1e-12);
    close(r.r_squared, 0.945517725517726, 1e-12);
    expect(r.sample_size_requests).toBe(6);
    expect(r.levels).toEqual([1, 4, 8]);
    expect(r.skipped).toEqual([
      { file: join(sweep, 'stray.json'), reason: expect.stringContaining('max_concurrency') },
    ]);
    expect(logs.join('\n')).toContain('stray.json');
    expect(r.paramFile).toBe(join(dir, 'out', 'tpot-Qwen2.5-7B-Instruct--20260101-000000-param.json'));
    const param = JSON.parse(readFileSync(r.paramFile, 'utf8'));
    expect(Object.keys(param)).toEqual([
      'alpha',
      'beta',
      'sigma',
      'r_squared',
      'sample_size_requests',
      'unit_alpha',
      'unit_beta',
      'model_formula',
    ]);
    expect(param.sample_size_requests).toBe(6);
    expect(param.model_formula).toBe('ITL = alpha + beta * N + N(0, sigma^2)');
  });
});

describe('fit figures', () => {
  it('writes the prefill and TPOT plots as PNGs at the reference sizes (10×6 in and 12×7 in at 150 dpi)', async () => {
    const input = writeJson(join(dir, 'prefill-m-1g.10gb-t.json'), PC5);
    const p = await fitPrefillFile(input, dir);
    const sweep = join(dir, 'sweep');
    mkdirSync(sweep);
    for (const n of [1, 2]) {
      writeJson(join(sweep, `tpot-m-concurrency-${n}-t.json`), {
        max_concurrency: n,
        itls: [[0.01 * n], [0.011 * n]],
      });
    }
    const t = await fitTpotDir(sweep, dir);
    for (const [file, w] of [
      [p.plotFile, 1500],
      [t.plotFile, 1800],
    ] as const) {
      const png = readFileSync(file as string);
      expect(png.subarray(1, 4).toString()).toBe('PNG');
      // IHDR width: the plot area is the reference's; axes, title and legend add a margin around it.
      expect(png.readUInt32BE(16)).toBeGreaterThanOrEqual(w);
    }
  });
});
