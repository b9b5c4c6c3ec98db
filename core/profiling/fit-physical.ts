/**
 * Which fitted latency lines can describe a real engine, checked before the fit write-back puts them into a
 * simulation config. Least squares fits whatever the timings say: on a loaded host the emulator's (or the client's)
 * timing noise can swamp a small true slope, and the line comes out falling. Written back, such a fit only fails
 * later (the config's schema refuses negative α/β when training loads it) or, worse, simulates engines that get
 * faster with more work. So the write-back refuses them with a (non-retryable) BenchDataError naming the bench
 * data, the field, the value and what to re-profile.
 *
 * The rules (docs/deviations.md, "Write-back"):
 * - β < 0 is refused for both fits: more prompt tokens, or more running requests, never make a token faster.
 * - TPOT α < 0 is refused: the per-token time at low concurrency would be below zero.
 * - prefill α < 0 is refused too, although a real engine's data can give one (TTFT grows faster than linearly
 *   with the prompt, so a line fitted to long prompts can cross zero below them): the simulator uses the line
 *   for every prompt of the workload, and chat prompts are far shorter than the profiled ones, so a negative
 *   intercept simulates free prefills. The message says whether the line is already ≤ 0 within the profiled
 *   prompts (bad data) or only below them (profile shorter prompts).
 */
import { BenchDataError } from '../errors.js';

/** One fitted latency value that no real engine can have, with the bench result(s) it was fitted to. */
export interface NonPhysicalFit {
  /** The bench result file (prefill) or the concurrency sweep's folder (tpot) the line was fitted to. */
  source: string;
  /** Which profiling result: `<model> on <GPU model> <MIG profile>`. */
  entry: string;
  /** `prefill.beta`, `tpot.alpha`, … */
  field: string;
  value: number;
  problem: string;
}

/** One profiling result's two fits, with where their data came from. */
export interface FitToCheck {
  /** `<model> on <GPU model> <MIG profile>`. */
  entry: string;
  prefillFile: string;
  tpotDir: string;
  prefill: { alpha: number; beta: number; minInputTokens: number };
  tpot: { alpha: number; beta: number };
}

const REPROFILE =
  're-profile: the profiling stage is cached on its plan, so change it — more prompts per level ' +
  '(plan.concurrency.promptsPerLevel, plan.prefill.numPrompts), more or wider-spread concurrency levels ' +
  '(plan.concurrency.levels) or a new plan.seed — and run it on a quieter host (CPU load distorts the timings); ' +
  'the -param.json files of this fit are kept for inspection';
const SHORTER_PROMPTS =
  '; for a prefill line that only crosses zero below the profiled prompts, profile shorter prompts too ' +
  '(a lower plan.prefill.inputLen, or plan.prefill.rangeRatio nearer 1)';

/** 4 significant digits, small values in exponent form (β is ~1e-4 s); the exact value is in the -param.json. */
function short(v: number): string {
  return v !== 0 && Math.abs(v) < 1e-3 ? v.toExponential(3) : String(Number(v.toPrecision(4)));
}

/** The fitted TTFT at the shortest prompt the prefill run profiled. */
function ttftAtShortest(p: FitToCheck['prefill']): number {
  return p.alpha + p.beta * p.minInputTokens;
}

/** The problems of a prefill line fitted to `source`; empty when it is physical. */
export function nonPhysicalPrefill(
  p: FitToCheck['prefill'],
  source: string,
  entry: string,
): NonPhysicalFit[] {
  const out: NonPhysicalFit[] = [];
  if (p.beta < 0) {
    out.push({
      source,
      entry,
      field: 'prefill.beta',
      value: p.beta,
      problem: 'a negative slope: TTFT would fall as prompts grow',
    });
  }
  if (p.alpha < 0) {
    const atMin = ttftAtShortest(p);
    out.push({
      source,
      entry,
      field: 'prefill.alpha',
      value: p.alpha,
      problem:
        atMin <= 0
          ? `a negative intercept, and the fitted TTFT is ≤ 0 already at the smallest profiled prompt (${p.minInputTokens} tokens: ${short(atMin)} s)`
          : `a negative intercept: the fitted TTFT is positive over the profiled prompts (${p.minInputTokens} tokens and up) but below zero for shorter prompts, which simulated workloads send`,
    });
  }
  return out;
}

/** The problems of a TPOT line fitted to the sweep in `source`; empty when it is physical. */
export function nonPhysicalTpot(t: FitToCheck['tpot'], source: string, entry: string): NonPhysicalFit[] {
  const out: NonPhysicalFit[] = [];
  if (t.beta < 0) {
    out.push({
      source,
      entry,
      field: 'tpot.beta',
      value: t.beta,
      problem: 'a negative slope: tokens would come faster the more requests run at once',
    });
  }
  if (t.alpha < 0) {
    out.push({
      source,
      entry,
      field: 'tpot.alpha',
      value: t.alpha,
      problem: 'a negative intercept: the time per output token at low concurrency would be below zero',
    });
  }
  return out;
}

/** The problems of one profiling result's fits; empty when both lines are physical. */
export function nonPhysicalFits(f: FitToCheck): NonPhysicalFit[] {
  return [
    ...nonPhysicalPrefill(f.prefill, f.prefillFile, f.entry),
    ...nonPhysicalTpot(f.tpot, f.tpotDir, f.entry),
  ];
}

/**
 * Throws a BenchDataError listing every refused value of `fits` (all of them, so one re-profiling fixes all) and
 * saying that `target` was not written; returns when every line is physical.
 */
export function refuseNonPhysicalFits(target: string, fits: readonly FitToCheck[]): void {
  const bad = fits.flatMap(nonPhysicalFits);
  if (bad.length === 0) return;
  const belowProfiledOnly = fits.some((f) => f.prefill.alpha < 0 && ttftAtShortest(f.prefill) > 0);
  // The error's file and field already name a single problem's source and field; several get them per problem.
  const problems = bad.map((b) =>
    bad.length === 1
      ? `${short(b.value)} for ${b.entry}: ${b.problem}`
      : `${b.field} = ${short(b.value)} for ${b.entry} (fitted to ${b.source}): ${b.problem}`,
  );
  throw new BenchDataError(
    [...new Set(bad.map((b) => b.source))].join(', '),
    bad.map((b) => b.field).join(', '),
    `${problems.join('; ')}. No fit was written into ${target}, which is unchanged`,
    REPROFILE + (belowProfiledOnly ? SHORTER_PROMPTS : ''),
  );
}
