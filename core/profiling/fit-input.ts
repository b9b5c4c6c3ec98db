/**
 * Reading benchmark result JSON for the fits (`vllm bench serve --save-result --save-detailed` files, or the
 * same keys from migflow's load generator). Python's json.dump writes bare NaN/Infinity, which JSON.parse rejects;
 * those tokens are read as markers so the error can say which key and index holds them. Every problem is a
 * BenchDataError naming the file, the key and the fix.
 */
import { existsSync, readFileSync } from 'node:fs';
import { BenchDataError } from '../errors.js';

/** What a (non-finite) Python float token is read as, so validation can report it by name. */
const NON_FINITE = new Map([
  ['NaN', '\u0000NaN'],
  ['Infinity', '\u0000Infinity'],
  ['-Infinity', '\u0000-Infinity'],
]);

/** Replaces bare NaN / Infinity / -Infinity outside strings by marker strings; JSON otherwise unchanged. */
function quotePythonNonFinite(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      // Copy the string literal verbatim, honouring escapes.
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    const token = ['-Infinity', 'Infinity', 'NaN'].find((t) => text.startsWith(t, i));
    if (token) {
      out += JSON.stringify(NON_FINITE.get(token));
      i += token.length;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

function describeBad(v: unknown): string {
  if (typeof v === 'string' && v.startsWith('\u0000')) return v.slice(1);
  if (v === undefined) return 'missing';
  return JSON.stringify(v);
}

/** Reads one result file into its top-level object. */
export function readBenchJson(file: string): Record<string, unknown> {
  if (!existsSync(file)) {
    throw new BenchDataError(file, '', 'file does not exist', 'pass the path of a bench result JSON');
  }
  if (!file.endsWith('.json')) {
    throw new BenchDataError(file, '', 'not a .json file', 'pass a bench result file ending in .json');
  }
  let data: unknown;
  try {
    data = JSON.parse(quotePythonNonFinite(readFileSync(file, 'utf8')));
  } catch (err) {
    throw new BenchDataError(
      file,
      '',
      `not valid JSON (${err instanceof Error ? err.message : String(err)})`,
      'pass a complete result file written by `vllm bench serve --save-result --save-detailed` or migflow',
    );
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new BenchDataError(file, '', 'the top level is not a JSON object', 'pass a bench result file');
  }
  return data as Record<string, unknown>;
}

const DETAILED_FIX =
  'run the benchmark with --save-result --save-detailed (per-request arrays are kept only then)';

/** A non-empty array of finite numbers at `key`. */
function finiteArray(file: string, data: Record<string, unknown>, key: string): number[] {
  const v = data[key];
  if (v === undefined) throw new BenchDataError(file, key, 'missing', DETAILED_FIX);
  if (!Array.isArray(v))
    throw new BenchDataError(file, key, `not an array (${describeBad(v)})`, DETAILED_FIX);
  if (v.length === 0) {
    throw new BenchDataError(file, key, 'empty array: the run recorded no requests', 'rerun the benchmark');
  }
  v.forEach((x, i) => {
    if (typeof x !== 'number' || !Number.isFinite(x)) {
      throw new BenchDataError(
        file,
        `${key}[${i}]`,
        `not a finite number (${describeBad(x)})`,
        'rerun the benchmark; a result with NaN or infinite values cannot be fitted',
      );
    }
  });
  return v as number[];
}

export interface PrefillPoints {
  /** Prompt tokens per request. */
  x: number[];
  /** TTFT in seconds per request. */
  y: number[];
  /** Requests left out because they failed (ttft 0 or an error text); 0 when failed requests are kept. */
  droppedFailed: number;
}

/**
 * (input_lens, ttfts) pairs of a prefill run. By default failed requests (ttft ≤ 0 or a non-empty `errors` entry)
 * are dropped, because the reference's 0.0 TTFTs drag the fitted line down; `includeFailed` keeps the reference's
 * behaviour of fitting every request.
 */
export function prefillPoints(
  file: string,
  data: Record<string, unknown>,
  opts: { includeFailed?: boolean } = {},
): PrefillPoints {
  const x = finiteArray(file, data, 'input_lens');
  const y = finiteArray(file, data, 'ttfts');
  if (x.length !== y.length) {
    throw new BenchDataError(
      file,
      'ttfts',
      `${y.length} entries but input_lens has ${x.length}; the per-request arrays must be index-aligned`,
      'pass an unedited result file',
    );
  }
  const errors = Array.isArray(data.errors) ? (data.errors as unknown[]) : [];
  if (opts.includeFailed) return { x: [...x], y: [...y], droppedFailed: 0 };
  const keep = x.map((_, i) => y[i]! > 0 && !(typeof errors[i] === 'string' && errors[i] !== ''));
  return {
    x: x.filter((_, i) => keep[i]),
    y: y.filter((_, i) => keep[i]),
    droppedFailed: keep.filter((k) => !k).length,
  };
}

export type TpotFilePoints =
  | { skipped: false; n: number; meanItlsS: number[]; emptyRequests: number }
  | { skipped: true; reason: string };

/**
 * One concurrency run: N = the file's configured `max_concurrency` (the reference's definition, ramp and drain
 * included) and one point per request with a non-empty ITL list, y = the mean of its gaps. A file without
 * `max_concurrency` (a prefill run in the same folder) is skipped, as the reference does; anything else wrong
 * is an error.
 */
export function tpotPoints(file: string, data: Record<string, unknown>): TpotFilePoints {
  const n = data.max_concurrency;
  if (n === null || n === undefined) {
    return { skipped: true, reason: 'no max_concurrency (not a concurrency-sweep run)' };
  }
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
    throw new BenchDataError(
      file,
      'max_concurrency',
      `not a positive integer (${describeBad(n)})`,
      'pass a result of a run with --max-concurrency N',
    );
  }
  const itls = data.itls;
  if (itls === undefined) throw new BenchDataError(file, 'itls', 'missing', DETAILED_FIX);
  if (!Array.isArray(itls)) {
    throw new BenchDataError(file, 'itls', `not an array (${describeBad(itls)})`, DETAILED_FIX);
  }
  if (itls.length === 0) {
    throw new BenchDataError(
      file,
      'itls',
      'empty array: the run recorded no requests',
      'rerun the benchmark',
    );
  }
  const meanItlsS: number[] = [];
  let emptyRequests = 0;
  itls.forEach((req, i) => {
    if (!Array.isArray(req)) {
      throw new BenchDataError(
        file,
        `itls[${i}]`,
        `not a list of gaps (${describeBad(req)})`,
        'pass an unedited result file',
      );
    }
    if (req.length === 0) {
      // A failed request, or one with a single output token: no gap to measure.
      emptyRequests++;
      return;
    }
    let sum = 0;
    req.forEach((g, j) => {
      if (typeof g !== 'number' || !Number.isFinite(g)) {
        throw new BenchDataError(
          file,
          `itls[${i}][${j}]`,
          `not a finite number (${describeBad(g)})`,
          'rerun the benchmark; a result with NaN or infinite values cannot be fitted',
        );
      }
      sum += g;
    });
    meanItlsS.push(sum / req.length);
  });
  return { skipped: false, n, meanItlsS, emptyRequests };
}
