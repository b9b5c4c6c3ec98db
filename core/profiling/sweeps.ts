/**
 * The two latency sweeps of the reference (scripts/bench_serve_prefill.sh and bench_serve_tpot.sh) as data plus a
 * runner. A plan is plain JSON (it travels through Temporal), each level writes one bench JSON file with
 * `vllm bench serve --save-detailed` keys, and a level whose key is listed in `completedLevels` (and whose file
 * is still on disk) is not run again, so a retried activity resumes where the last attempt stopped.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { seededRng } from '../random/index.js';
import { writeFileAtomic } from '../util/index.js';
import { benchResult, errorSummary, runLoad } from './load-generator.js';
import { type LengthRange, randomLengthRange, randomRequests } from './random-prompts.js';

export interface SweepLevel {
  /** Stable id within the plan (`prefill`, `concurrency-7`): what `completedLevels` lists. */
  key: string;
  numPrompts: number;
  /** Requests per second, or `'inf'`: every request is released at t=0 (then only maxConcurrency limits). */
  requestRate: number | 'inf';
  /** At most this many requests in flight; null = unlimited (written as `max_concurrency: null`). */
  maxConcurrency: number | null;
  inputLen: LengthRange;
  outputLen: LengthRange;
  /** Bench JSON file name inside the plan's resultDir. */
  fileName: string;
}

export interface SweepPlan {
  kind: 'prefill' | 'concurrency';
  resultDir: string;
  levels: SweepLevel[];
  /** Inter-arrival times: exponential (`poisson`, vLLM's burstiness 1) or constant 1/rate (`fixed`). */
  arrival: 'poisson' | 'fixed';
  /** Pause after each level (the reference sleeps 2 s between concurrency runs). */
  pauseBetweenLevelsMs: number;
  /** Seeds the length and arrival draws (vLLM's default seed is 0). */
  seed: number;
  /** A request still unfinished after this long counts as an error. */
  requestTimeoutMs: number;
}

export interface LevelDone {
  key: string;
  file: string;
  completed: number;
  failed: number;
}

export interface SweepOptions {
  /** Called after each level's file is written (activities heartbeat here with the finished keys). */
  onLevelDone?: (done: LevelDone) => void | Promise<void>;
  /** Keys of levels a previous attempt finished; skipped when their file exists. */
  completedLevels?: readonly string[];
  signal?: AbortSignal;
  log?: (line: string) => void;
}

/** `date +%Y%m%d-%H%M%S` in local time, as the reference scripts name their files. */
export function benchTimestamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/** The part of a Hugging Face id after its last `/` (`Qwen/Qwen2.5-7B-Instruct` → `Qwen2.5-7B-Instruct`). */
export function modelName(modelId: string): string {
  return modelId.slice(modelId.lastIndexOf('/') + 1);
}

/** Prompts per concurrency level in the reference TPOT script: 20 + floor((N−1)·60/29). */
export function tpotPromptsFor(n: number): number {
  return 20 + Math.floor(((n - 1) * 60) / 29);
}

/**
 * The concurrency levels that `promptsPerLevel` prompts never fill: a level of N keeps N requests in flight only
 * while N are left to send, so with fewer prompts it never reaches N, and the TPOT fit, which reads each level's
 * gaps at its nominal concurrency (max_concurrency), would place them at the wrong x.
 */
export function unfilledLevels(levels: readonly number[], promptsPerLevel: number): number[] {
  return levels.filter((n) => n > promptsPerLevel);
}

/** What both sweep plans are built from: the served model, where results go, prompt lengths, the seed. */
interface PlanInput {
  modelId: string;
  resultDir: string;
  timestamp?: string;
  inputLen?: number;
  rangeRatio?: number;
  seed?: number;
}

export interface PrefillPlanInput extends PlanInput {
  migName: string;
  numPrompts?: number;
  requestRate?: number | 'inf';
}

/** The reference prefill run: 1000 prompts, Poisson 0.4 req/s, input 1024 ±90 %, output 1 token (→ [1, 2]). */
export function defaultPrefillPlan(o: PrefillPlanInput): SweepPlan {
  const ts = o.timestamp ?? benchTimestamp();
  const ratio = o.rangeRatio ?? 0.9;
  return {
    kind: 'prefill',
    resultDir: o.resultDir,
    arrival: 'poisson',
    pauseBetweenLevelsMs: 0,
    seed: o.seed ?? 0,
    requestTimeoutMs: 300_000,
    levels: [
      {
        key: 'prefill',
        numPrompts: o.numPrompts ?? 1000,
        requestRate: o.requestRate ?? 0.4,
        maxConcurrency: null,
        inputLen: randomLengthRange(o.inputLen ?? 1024, ratio),
        outputLen: randomLengthRange(1, ratio, 1),
        fileName: `prefill-${modelName(o.modelId)}-${o.migName}-${ts}.json`,
      },
    ],
  };
}

export interface ConcurrencyPlanInput extends PlanInput {
  /** Default 1..30. */
  levels?: readonly number[];
  /** Default tpotPromptsFor(N). */
  promptsFor?: (n: number) => number;
  outputLen?: number;
  pauseBetweenLevelsMs?: number;
}

/** The reference TPOT sweep: N = 1..30, rate inf, max concurrency N, input 2 ±30 % ([1, 3]), output 512 ±30 %. */
export function defaultConcurrencyPlan(o: ConcurrencyPlanInput): SweepPlan {
  const ts = o.timestamp ?? benchTimestamp();
  const ratio = o.rangeRatio ?? 0.3;
  const ns = o.levels ?? Array.from({ length: 30 }, (_, i) => i + 1);
  const prompts = o.promptsFor ?? tpotPromptsFor;
  return {
    kind: 'concurrency',
    resultDir: o.resultDir,
    arrival: 'poisson',
    pauseBetweenLevelsMs: o.pauseBetweenLevelsMs ?? 2_000,
    seed: o.seed ?? 0,
    requestTimeoutMs: 300_000,
    levels: ns.map((n) => ({
      key: `concurrency-${n}`,
      numPrompts: prompts(n),
      requestRate: 'inf' as const,
      maxConcurrency: n,
      inputLen: randomLengthRange(o.inputLen ?? 2, ratio),
      outputLen: randomLengthRange(o.outputLen ?? 512, ratio, 1),
      fileName: `tpot-${modelName(o.modelId)}-concurrency-${n}-${ts}.json`,
    })),
  };
}

/** Files of the plan's levels, in level order. */
export function levelFiles(plan: SweepPlan): string[] {
  return plan.levels.map((l) => join(plan.resultDir, l.fileName));
}

/** Seed of one level's draws: the plan seed mixed with the level index, so a resumed level draws what it drew. */
function levelSeed(plan: SweepPlan, index: number): number {
  return (plan.seed + Math.imul(index + 1, 0x9e3779b9)) >>> 0;
}

/**
 * Runs a sweep plan (the prefill run, or the concurrency levels one by one) against an OpenAI-compatible server,
 * skipping the levels `opts.completedLevels` lists; returns the bench JSON paths, one per level.
 */
export async function runSweep(
  baseUrl: string,
  model: string,
  plan: SweepPlan,
  opts: SweepOptions = {},
): Promise<string[]> {
  const done = new Set(opts.completedLevels ?? []);
  const log = opts.log ?? (() => {});
  mkdirSync(plan.resultDir, { recursive: true });
  for (const [index, level] of plan.levels.entries()) {
    opts.signal?.throwIfAborted();
    const file = join(plan.resultDir, level.fileName);
    if (done.has(level.key) && existsSync(file)) {
      log(`${level.key}: already done (${file})`);
      continue;
    }
    const rng = seededRng(levelSeed(plan, index));
    const requests = randomRequests(level.numPrompts, level.inputLen, level.outputLen, rng);
    const run = await runLoad({
      baseUrl,
      model,
      requests,
      requestRate: level.requestRate,
      arrival: plan.arrival,
      maxConcurrency: level.maxConcurrency,
      rng,
      requestTimeoutMs: plan.requestTimeoutMs,
      requestIdPrefix: `${level.key}-${index}`,
      signal: opts.signal,
    });
    opts.signal?.throwIfAborted();
    const result = benchResult(run, { date: benchTimestamp(), numPrompts: level.numPrompts });
    writeFileAtomic(file, `${JSON.stringify(result)}\n`);
    const failed = run.outcomes.length - (result.completed as number);
    log(
      `${level.key}: ${result.completed}/${level.numPrompts} completed in ${run.durationS.toFixed(1)} s → ${file}` +
        (failed > 0 ? ` (${failed} failed: ${JSON.stringify(errorSummary(run.outcomes))})` : ''),
    );
    await opts.onLevelDone?.({ key: level.key, file, completed: result.completed as number, failed });
    if (plan.pauseBetweenLevelsMs > 0 && index < plan.levels.length - 1) {
      await sleep(plan.pauseBetweenLevelsMs, undefined, { signal: opts.signal });
    }
  }
  return levelFiles(plan);
}
