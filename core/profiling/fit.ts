/**
 * The two latency fits of the reference (src/profiling/prefill.py and tpot.py) on bench result files:
 *
 *   TTFT = α + β·input_tokens + N(0, σ²)   from one prefill run      → <stem>-param.json, <stem>-plot.png
 *   ITL  = α + β·N + N(0, σ²)              from a concurrency sweep  → <base>-param.json, <base>-plot.png
 *
 * with N the file's configured max concurrency. Parameter files carry the reference's keys in its order.
 */
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { BenchDataError } from '../errors.js';
import { writeFileAtomic } from '../util/index.js';
import { prefillPoints, readBenchJson, tpotPoints } from './fit-input.js';
import { prefillFitSpec, tpotFitSpec, writeFitPlot } from './fit-plots.js';
import { fitLine, type LinearFit } from './linear-fit.js';
import { pythonJsonFlat } from './python-json.js';

export interface FitParams {
  alpha: number;
  beta: number;
  sigma: number;
  /** null when undefined (constant y). */
  r_squared: number | null;
}

export interface PrefillFitResult extends FitParams {
  kind: 'prefill';
  input: string;
  paramFile: string;
  plotFile: string | null;
  /** Points fitted. */
  sample_size_requests: number;
  /** Failed requests left out (0 with includeFailed). */
  dropped_failed: number;
  /** The shortest prompt fitted (tokens): where the line stops being measured and starts being extrapolated. */
  min_input_tokens: number;
}

export interface TpotFitResult extends FitParams {
  kind: 'tpot';
  inputDir: string;
  paramFile: string;
  plotFile: string | null;
  sample_size_requests: number;
  /** Files used, in the order their points were fed to the fit. */
  files: string[];
  /** Files left out, with why (a prefill run in the same folder). */
  skipped: { file: string; reason: string }[];
  /** Concurrency levels seen, ascending. */
  levels: number[];
}

export interface FitOptions {
  /** Write the PNG figure too (default true). */
  plot?: boolean;
  log?: (line: string) => void;
}

function paramsOf(fit: LinearFit): FitParams {
  return {
    alpha: fit.alpha,
    beta: fit.beta,
    sigma: fit.sigma,
    r_squared: Number.isFinite(fit.rSquared) ? fit.rSquared : null,
  };
}

/** `<stem>-param.json` in `outDir`: α, β, σ, r² and then `rest`, in the reference's key order and float format. */
function writeParamFile(
  outDir: string,
  stem: string,
  p: FitParams,
  rest: Parameters<typeof pythonJsonFlat>[0],
): string {
  mkdirSync(outDir, { recursive: true });
  const paramFile = join(outDir, `${stem}-param.json`);
  writeFileAtomic(
    paramFile,
    pythonJsonFlat([
      ['alpha', { float: p.alpha }],
      ['beta', { float: p.beta }],
      ['sigma', { float: p.sigma }],
      ['r_squared', { float: p.r_squared ?? Number.NaN }],
      ...rest,
    ]),
  );
  return paramFile;
}

/** `<stem>-plot.png` in `outDir`, unless `opts.plot` is false; its path, or null. */
async function plotUnlessOff(
  opts: FitOptions,
  outDir: string,
  stem: string,
  spec: () => Parameters<typeof writeFitPlot>[0],
): Promise<string | null> {
  if (!(opts.plot ?? true)) return null;
  const plotFile = join(outDir, `${stem}-plot.png`);
  await writeFitPlot(spec(), plotFile);
  return plotFile;
}

function tooFew(file: string, key: string, n: number, what: string): BenchDataError {
  return new BenchDataError(
    file,
    key,
    `${n} usable point(s) ${what}; a line needs at least 2 with distinct x`,
    'rerun the benchmark with more requests (and, for TPOT, at least two concurrency levels)',
  );
}

/** prefill.py: one bench file → `<stem>-param.json` (+ plot) in outDir. */
export async function fitPrefillFile(
  input: string,
  outDir: string,
  opts: FitOptions & { includeFailed?: boolean } = {},
): Promise<PrefillFitResult> {
  const data = readBenchJson(input);
  const pts = prefillPoints(input, data, { includeFailed: opts.includeFailed ?? false });
  if (pts.droppedFailed > 0) {
    opts.log?.(`${input}: left out ${pts.droppedFailed} failed request(s) (ttft 0 or an error)`);
  }
  if (pts.x.length < 2 || pts.x.every((v) => v === pts.x[0])) {
    throw tooFew(
      input,
      'input_lens',
      pts.x.length,
      `after leaving out ${pts.droppedFailed} failed request(s)`,
    );
  }
  const fit = fitLine(pts.x, pts.y);
  const stem = basename(input).replace(/\.json$/, '');
  const p = paramsOf(fit);
  const paramFile = writeParamFile(outDir, stem, p, [
    ['unit_alpha', 'seconds'],
    ['unit_beta', 'seconds_per_token'],
    ['model_formula', 'y = beta * x + alpha + N(0, sigma^2)'],
  ]);
  const plotFile = await plotUnlessOff(opts, outDir, stem, () => prefillFitSpec(pts.x, pts.y, fit));
  return {
    kind: 'prefill',
    input,
    paramFile,
    plotFile,
    ...p,
    sample_size_requests: fit.n,
    dropped_failed: pts.droppedFailed,
    min_input_tokens: pts.x.reduce((a, b) => Math.min(a, b)),
  };
}

/** The *.json files directly in `dir`, sorted by name (the reference used unsorted glob order). */
export function benchFilesIn(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new BenchDataError(
      dir,
      '',
      'not a directory',
      'pass the folder holding the concurrency sweep results',
    );
  }
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json') && !f.endsWith('-param.json'))
    .sort()
    .map((f) => join(dir, f));
}

/** tpot.py: every sweep file in `inputDir` → `<first stem without concurrency-N>-param.json` (+ plot). */
export async function fitTpotDir(
  inputDir: string,
  outDir: string,
  opts: FitOptions = {},
): Promise<TpotFitResult> {
  const files = benchFilesIn(inputDir);
  if (files.length === 0) {
    throw new BenchDataError(inputDir, '', 'no *.json files', 'pass the folder the concurrency sweep wrote');
  }
  const xs: number[] = [];
  const ys: number[] = [];
  const used: string[] = [];
  const skipped: { file: string; reason: string }[] = [];
  for (const file of files) {
    const pts = tpotPoints(file, readBenchJson(file));
    if (pts.skipped) {
      opts.log?.(`skipping ${file}: ${pts.reason}`);
      skipped.push({ file, reason: pts.reason });
      continue;
    }
    used.push(file);
    for (const y of pts.meanItlsS) {
      xs.push(pts.n);
      ys.push(y);
    }
  }
  if (xs.length < 2 || xs.every((v) => v === xs[0])) {
    throw tooFew(inputDir, 'itls', xs.length, `over ${used.length} concurrency file(s)`);
  }
  const fit = fitLine(xs, ys);
  // The reference's name: the first file's stem with every `concurrency-<N>` removed (hence the `--`).
  const base = basename(used[0]!)
    .replace(/\.json$/, '')
    .replace(/concurrency-\d+/g, '');
  const p = paramsOf(fit);
  const paramFile = writeParamFile(outDir, base, p, [
    ['sample_size_requests', { int: fit.n }],
    ['unit_alpha', 'seconds'],
    ['unit_beta', 'seconds_per_request'],
    ['model_formula', 'ITL = alpha + beta * N + N(0, sigma^2)'],
  ]);
  const plotFile = await plotUnlessOff(opts, outDir, base, () => tpotFitSpec(xs, ys, fit));
  return {
    kind: 'tpot',
    inputDir,
    paramFile,
    plotFile,
    ...p,
    sample_size_requests: fit.n,
    files: used,
    skipped,
    levels: [...new Set(xs)].sort((a, b) => a - b),
  };
}
