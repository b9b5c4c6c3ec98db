/**
 * Non-physical latency fits (a negative slope, a negative intercept) are refused by the fit write-back with a
 * non-retryable BenchDataError naming the bench data, the field, the value and the fix; simulation_config.yaml
 * keeps every byte, while the fit's -param.json (the reference's output) is still written.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { toFailure } from '../../../activities/failures.js';
import type { ProfiledEntry } from '../../../contracts/index.js';
import { BenchDataError } from '../../../core/errors.js';
import { fitPrefillFile } from '../../../core/profiling/fit.js';
import { type FitToCheck, nonPhysicalFits } from '../../../core/profiling/fit-physical.js';
import { writeFits } from '../../../core/stages/fit/index.js';
import { SAMPLE_FIT, SAMPLE_PROFILED, useSimulationConfigCopy } from '../../helpers/fit-fixture.js';

const copy = useSimulationConfigCopy('fit-physical');

const good: FitToCheck = {
  entry: 'm on A100_40GB 3g.20gb',
  prefillFile: '/runs/prefill.json',
  tpotDir: '/runs/tpot',
  prefill: { alpha: 0.03, beta: 0.0002, minInputTokens: 100 },
  tpot: { alpha: 0.02, beta: 0.001 },
};

describe('nonPhysicalFits', () => {
  it('accepts positive lines, and zero slopes and intercepts', () => {
    expect(nonPhysicalFits(good)).toEqual([]);
    expect(
      nonPhysicalFits({
        ...good,
        prefill: { ...good.prefill, alpha: 0, beta: 0 },
        tpot: { alpha: 0, beta: 0 },
      }),
    ).toEqual([]);
  });

  it('refuses each negative slope and intercept, naming its bench data, field and value', () => {
    const one = (f: Partial<FitToCheck>) => nonPhysicalFits({ ...good, ...f });
    expect(one({ prefill: { ...good.prefill, beta: -1e-5 } })).toEqual([
      {
        source: '/runs/prefill.json',
        entry: 'm on A100_40GB 3g.20gb',
        field: 'prefill.beta',
        value: -1e-5,
        problem: 'a negative slope: TTFT would fall as prompts grow',
      },
    ]);
    expect(one({ tpot: { alpha: 0.02, beta: -3e-4 } })).toMatchObject([
      {
        source: '/runs/tpot',
        field: 'tpot.beta',
        value: -3e-4,
        problem: expect.stringMatching(/negative slope/),
      },
    ]);
    expect(one({ tpot: { alpha: -0.001, beta: 0.001 } })).toMatchObject([
      {
        source: '/runs/tpot',
        field: 'tpot.alpha',
        value: -0.001,
        problem: expect.stringMatching(/below zero/),
      },
    ]);
  });

  it('tells a prefill intercept ≤ 0 within the profiled prompts from one that is only negative below them', () => {
    // TTFT at 100 tokens: −0.05 + 0.0002·100 = −0.03 s.
    const inside = nonPhysicalFits({ ...good, prefill: { alpha: -0.05, beta: 0.0002, minInputTokens: 100 } });
    expect(inside).toMatchObject([{ field: 'prefill.alpha', value: -0.05 }]);
    expect(inside[0]!.problem).toContain('≤ 0 already at the smallest profiled prompt (100 tokens: -0.03');
    // TTFT at 100 tokens: −0.005 + 0.0002·100 = +0.015 s, negative below 25 tokens.
    const below = nonPhysicalFits({ ...good, prefill: { alpha: -0.005, beta: 0.0002, minInputTokens: 100 } });
    expect(below).toMatchObject([{ field: 'prefill.alpha', value: -0.005 }]);
    expect(below[0]!.problem).toContain('positive over the profiled prompts (100 tokens and up)');
  });
});

const profiled = SAMPLE_PROFILED;
const fit = SAMPLE_FIT;

/** writeFits' error, or a failed expectation when it wrote. */
function refusal(entries: Parameters<typeof writeFits>[1]): BenchDataError {
  try {
    writeFits(copy.file, entries);
  } catch (err) {
    expect(err).toBeInstanceOf(BenchDataError);
    return err as BenchDataError;
  }
  throw new Error('writeFits wrote a non-physical fit');
}

describe('writeFits with a non-physical fit', () => {
  it('writes a physical fit', () => {
    expect(writeFits(copy.file, [{ profile: profiled, fit }]).changed).toBe(true);
    const e = parse(readFileSync(copy.file, 'utf8')).simulation.agents.CodingAgent.A100_40GB.mig['3g.20gb'];
    expect(e.param.tpot).toEqual({ alpha: 0.02, beta: 0.001, sigma: 0.001 });
  });

  it('refuses a negative TPOT slope with file, field, value and fix, leaving the config byte-for-byte as it was', () => {
    const before = readFileSync(copy.file);
    const mtime = statSync(copy.file).mtimeMs;
    const bad = { ...fit, tpot: { ...fit.tpot, beta: -0.000123 } };
    // The bad fit comes second: nothing of the good first entry may be written either.
    const other: ProfiledEntry = { ...profiled, agents: ['RAGAgent'], tpotDir: '/runs/b/tpot' };
    const err = refusal([
      { profile: profiled, fit },
      { profile: other, fit: bad },
    ]);
    expect(err.file).toBe('/runs/b/tpot');
    expect(err.key).toBe('tpot.beta');
    expect(err.message).toContain('-1.230e-4 for qwen2.5-coder-7b-instruct on A100_40GB 3g.20gb');
    expect(err.message).toContain(`No fit was written into ${copy.file}, which is unchanged`);
    expect(err.fix).toMatch(/^re-profile: .*promptsPerLevel.*plan\.concurrency\.levels.*quieter host/);
    expect(readFileSync(copy.file).equals(before)).toBe(true);
    expect(statSync(copy.file).mtimeMs).toBe(mtime);
    // Non-retryable in Temporal: only new profiling data helps.
    const failure = toFailure(err) as ApplicationFailure;
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure.type).toBe('BenchDataError');
    expect(failure.nonRetryable).toBe(true);
  });

  it('lists every refused value at once, and suggests shorter prompts for an intercept negative only below them', () => {
    const before = readFileSync(copy.file, 'utf8');
    const err = refusal([
      {
        profile: profiled,
        fit: {
          ...fit,
          prefill: { ...fit.prefill, alpha: -0.005 },
          tpot: { ...fit.tpot, alpha: -0.002 },
        },
      },
    ]);
    expect(err.file).toBe('/runs/a/prefill/prefill.json, /runs/a/tpot');
    expect(err.key).toBe('prefill.alpha, tpot.alpha');
    expect(err.message).toContain(
      'prefill.alpha = -0.005 for qwen2.5-coder-7b-instruct on A100_40GB 3g.20gb',
    );
    expect(err.message).toContain('(fitted to /runs/a/tpot)');
    expect(err.fix).toContain('profile shorter prompts too');
    expect(readFileSync(copy.file, 'utf8')).toBe(before);
  });

  it("still writes the reference's -param.json of a falling prefill line (PC6 in reference mode), then refuses it", async () => {
    const input = join(copy.dir, 'prefill-pc6.json');
    writeFileSync(
      input,
      JSON.stringify({
        input_lens: [100, 200, 300, 400, 500, 600],
        ttfts: [0.05, 0.07, 0.1, 0.11, 0.14, 0.0],
        max_concurrency: null,
      }),
    );
    const r = await fitPrefillFile(input, join(copy.dir, 'out'), { plot: false, includeFailed: true });
    expect(JSON.parse(readFileSync(r.paramFile, 'utf8')).beta).toBeLessThan(0);
    expect(r.min_input_tokens).toBe(100);
    const before = readFileSync(copy.file, 'utf8');
    const err = refusal([
      {
        profile: { ...profiled, prefillFile: input },
        fit: {
          ...fit,
          prefill: { ...fit.prefill, alpha: r.alpha, beta: r.beta, minInputTokens: r.min_input_tokens },
        },
      },
    ]);
    expect(err.message).toMatch(
      new RegExp(
        `^${input}: prefill\\.beta: -8\\.571e-6 for .*: a negative slope: TTFT would fall as prompts grow`,
      ),
    );
    expect(readFileSync(copy.file, 'utf8')).toBe(before);
  });
});
