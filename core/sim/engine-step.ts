/**
 * One engine `step`: iteration-level continuous batching with chunked prefill, run ahead of the global
 * clock until a running request finishes or the engine's clock reaches the owner's next stop (its next
 * arrival or the next trigger). Tokens and timestamps are written as the iterations are computed, so a
 * request can look finished while the global clock is still earlier; the returned event lands in the
 * future at the engine's clock.
 */
import { EngineStatus, RequestState } from './constants.js';
import type { SimEngine } from './entities/engine.js';
import type { SimRequest } from './entities/request.js';
import { sampleLinearS } from './latency.js';
import { drawsLatencyRuns, type SimRng } from './ports.js';
import type { ShutdownPlan } from './reconfig-plan.js';

/** What the caller must schedule at `engine.clockS` after a step. */
export const StepOutcome = { None: 0, StepComplete: 1, ShutdownComplete: 2 } as const;
export type StepOutcome = (typeof StepOutcome)[keyof typeof StepOutcome];

/**
 * Runs iterations from max(engine clock, now). `nextStopS` is +∞ when there is no stop.
 * `onFinished` sees each completed request in list order (prefilling, then decoding).
 */
export function stepEngine(
  engine: SimEngine,
  nowS: number,
  nextStopS: number,
  rng: SimRng,
  onFinished: (request: SimRequest, engine: SimEngine) => void,
): StepOutcome {
  // The two times travel in the engine's fields, not as arguments: this wrapper is small enough for V8 to inline
  // into its callers, the loop below is not, and a double passed to a call that is not inlined is boxed (a heap
  // allocation per step, two million per trial).
  if (engine.clockS < nowS) engine.clockS = nowS;
  engine.stopS = nextStopS;
  return runIterations(engine, rng, onFinished);
}

/** The step itself, from `engine.clockS` up to `engine.stopS`. */
function runIterations(
  engine: SimEngine,
  rng: SimRng,
  onFinished: (request: SimRequest, engine: SimEngine) => void,
): StepOutcome {
  const nextStopS = engine.stopS;
  const batch = engine.batch;
  batch.sync(engine.decoding);
  let iterations = 0;
  for (;;) {
    if (engine.finishedCount > 0) break;
    if (engine.clockS >= nextStopS) break;
    if (engine.prefilling.length === 0 && engine.decoding.length > 0 && !canAdmit(engine)) {
      const k = decodeSpan(engine, rng);
      if (k > 0) {
        iterations += k;
        continue;
      }
    }

    let budget = engine.maxBatchedTokens - engine.decoding.length;
    let prefillTokens = 0;
    const prefilling = engine.prefilling;
    for (let i = 0; i < prefilling.length && budget > 0; i++) {
      const r = prefilling[i]!;
      const chunk = Math.min(r.promptTokens - r.prefilledTokens, budget);
      r.prefilledTokens += chunk;
      prefillTokens += chunk;
      budget -= chunk;
    }

    const waiting = engine.waiting;
    while (budget > 0 && waiting.length > 0) {
      const head = waiting.peek()!;
      const need = head.promptTokens + head.completionTokens;
      // Head-of-line blocking: a request that does not fit stops admission; nothing is skipped or preempted.
      if (engine.reservedKvTokens + need > engine.kvCapacityTokens) break;
      waiting.shift();
      head.state = RequestState.Prefilling;
      if (head.startTimeS < 0) head.startTimeS = engine.clockS;
      prefilling.push(head);
      engine.reservedKvTokens += need;
      if (head.generatedTokens >= head.completionTokens) engine.finishedCount++;
      const chunk = Math.min(head.promptTokens - head.prefilledTokens, budget);
      head.prefilledTokens += chunk;
      prefillTokens += chunk;
      budget -= chunk;
    }

    if (prefilling.length + engine.decoding.length === 0) break;

    const decoding = engine.decoding;
    // One draw site for both fits (prefill when the iteration prefills, TPOT at the decode batch size otherwise):
    // with two, V8 inlined only one, and every call of the other boxed its three double arguments and its result.
    const prefills = prefillTokens > 0;
    const durationS = sampleLinearS(
      rng,
      prefills ? engine.prefillAlpha : engine.tpotAlpha,
      prefills ? engine.prefillBeta : engine.tpotBeta,
      prefills ? engine.prefillSigma : engine.tpotSigma,
      prefills ? prefillTokens : decoding.length,
    );
    // Decoding requests get one token per iteration, piggybacking on prefill iterations too.
    const tokenTimeS = engine.clockS + durationS;
    const decodeTimesS = batch.decodeTimesS;
    for (let i = 0; i < decoding.length; i++) decodeTimesS[i]! += durationS;
    batch.markFirstTokens(decoding, tokenTimeS);
    if (decoding.length > 0) engine.finishedCount += batch.advance(1);

    // Requests whose prefill completed this iteration decode from the next one: no token yet.
    let keep = 0;
    for (let i = 0; i < prefilling.length; i++) {
      const r = prefilling[i]!;
      if (r.prefilledTokens >= r.promptTokens) {
        r.state = RequestState.Decoding;
        decoding.push(r);
        batch.append(r);
      } else {
        prefilling[keep++] = r;
      }
    }
    truncateList(prefilling, keep);

    engine.clockS = tokenTimeS;
    iterations++;
  }

  const finishedAny = engine.finishedCount > 0;
  if (finishedAny) completeFinished(engine, onFinished);

  if (engine.prefilling.length + engine.decoding.length === 0 && engine.waiting.length === 0) {
    if (engine.status === EngineStatus.Draining && engine.shutdownPending !== null) {
      return StepOutcome.ShutdownComplete;
    }
  }
  return iterations > 0 || finishedAny ? StepOutcome.StepComplete : StepOutcome.None;
}

/** Whether the next iteration would admit the head of the waiting queue (token budget left and KV room). */
function canAdmit(engine: SimEngine): boolean {
  if (engine.maxBatchedTokens - engine.decoding.length <= 0) return false;
  const head = engine.waiting.peek();
  if (head === undefined) return false;
  return engine.reservedKvTokens + head.promptTokens + head.completionTokens <= engine.kvCapacityTokens;
}

/**
 * A run of pure decode iterations, all of them at once: nothing is prefilling and nothing can be admitted, and
 * neither changes until a request finishes (no arrival reaches an engine inside a step). So the batch is fixed,
 * each iteration is one TPOT draw at the same N, every request gets one token and the iteration's duration, and
 * the run ends after the iteration that finishes the closest request or at the first iteration that starts at or
 * past the stop. Same draws in the same order, same additions in the same order: the numbers are those of
 * iterating one by one, without touching every request object at every iteration. Returns the iterations run,
 * or 0 when a request's token count is already at or past its completion (left to the general loop).
 */
function decodeSpan(engine: SimEngine, rng: SimRng): number {
  const batch = engine.batch;
  const n = engine.decoding.length;
  const maxIterations = batch.nextFinishAt - batch.iterations;
  if (!(maxIterations > 0)) return 0;
  const decodeTimesS = batch.decodeTimesS;
  const mean = engine.tpotAlpha + engine.tpotBeta * n;
  const sigma = engine.tpotSigma;
  // Unary plus: plain doubles from here on. A loop variable seeded from a field that may hold a small integer can
  // otherwise stay a tagged value, and the loop then allocates a heap number for it at every iteration.
  const stopS = +engine.stopS;
  let clockS = +engine.clockS;
  let k = 0;
  if (drawsLatencyRuns(rng)) {
    // The stream draws the run (up to its buffer's length at a time); each request then adds the run's durations
    // in iteration order, the same additions in the same order as one iteration at a time. The run's first draw is
    // always made (the caller steps only while the clock is before the stop, and maxIterations > 0), so requests
    // awaiting their first token get it at the clock after that draw, clockS + draws[0]: the kernel's own first
    // addition, the same number (one call into the kernel instead of a separate `gauss` for that iteration).
    const draws = rng.runDraws;
    const cap = draws.length;
    const awaiting = batch.awaitingCount > 0;
    const startS = clockS;
    while (k < maxIterations && clockS < stopS) {
      const left = maxIterations - k;
      const m = rng.gaussRun(mean, sigma, clockS, stopS, Math.min(left, cap));
      clockS = rng.runClockS[0]!;
      if (k === 0 && awaiting) batch.markFirstTokens(engine.decoding, startS + draws[0]!);
      addRun(decodeTimesS, n, draws, m);
      k += m;
    }
    engine.clockS = clockS;
    engine.finishedCount += batch.advance(k);
    return k;
  }
  // The first iteration gives the requests that have none their first token; after it every request has one.
  if (batch.awaitingCount > 0) {
    const durationS = Math.max(rng.gauss(mean, sigma), 0);
    clockS += durationS;
    for (let i = 0; i < n; i++) decodeTimesS[i]! += durationS;
    batch.markFirstTokens(engine.decoding, clockS);
    k = 1;
  }
  const n4 = n & ~3;
  // The first pass always runs (the caller stepped only because the clock is before the stop).
  while (k < maxIterations && clockS < stopS) {
    const durationS = Math.max(rng.gauss(mean, sigma), 0);
    clockS += durationS;
    // Unrolled by four: the batch's additions are independent of each other.
    let i = 0;
    for (; i < n4; i += 4) {
      decodeTimesS[i]! += durationS;
      decodeTimesS[i + 1]! += durationS;
      decodeTimesS[i + 2]! += durationS;
      decodeTimesS[i + 3]! += durationS;
    }
    for (; i < n; i++) decodeTimesS[i]! += durationS;
    k++;
  }
  engine.clockS = clockS;
  engine.finishedCount += batch.advance(k);
  return k;
}

/**
 * decodeTimesS[i] += draws[0], += draws[1], … += draws[m − 1] for each of the n requests: each sum in iteration
 * order (as the reference adds), the requests' chains of additions interleaved.
 */
function addRun(decodeTimesS: Float64Array, n: number, draws: Float64Array, m: number): void {
  // Eight requests at a time, the last block padded: a batch's arrays have room for a multiple of eight (DecodeBatch),
  // and the entries past n are never read. Eight independent chains keep both floating-point adders busy and load
  // each draw once per eight requests; a tail of fewer requests would run one chain after the other, each as long as
  // eight (a batch of 11 cost four passes over the draws, now two).
  for (let i = 0; i < n; i += 8) {
    let t0 = decodeTimesS[i]!;
    let t1 = decodeTimesS[i + 1]!;
    let t2 = decodeTimesS[i + 2]!;
    let t3 = decodeTimesS[i + 3]!;
    let t4 = decodeTimesS[i + 4]!;
    let t5 = decodeTimesS[i + 5]!;
    let t6 = decodeTimesS[i + 6]!;
    let t7 = decodeTimesS[i + 7]!;
    for (let j = 0; j < m; j++) {
      const d = draws[j]!;
      t0 += d;
      t1 += d;
      t2 += d;
      t3 += d;
      t4 += d;
      t5 += d;
      t6 += d;
      t7 += d;
    }
    decodeTimesS[i] = t0;
    decodeTimesS[i + 1] = t1;
    decodeTimesS[i + 2] = t2;
    decodeTimesS[i + 3] = t3;
    decodeTimesS[i + 4] = t4;
    decodeTimesS[i + 5] = t5;
    decodeTimesS[i + 6] = t6;
    decodeTimesS[i + 7] = t7;
  }
}

/**
 * Drops the entries from `keep` on. By `pop`, which V8 compiles inline, not by setting `length` (a call into the
 * runtime at every completion and every prefill that finished: ~2 % of a trial); a step removes one or two.
 */
function truncateList(list: SimRequest[], keep: number): void {
  while (list.length > keep) list.pop();
}

/** Hands over the stored shutdown plan, once: the caller schedules SHUTDOWN_COMPLETE with it. */
export function takeShutdownPlan(engine: SimEngine): ShutdownPlan {
  const plan = engine.shutdownPending;
  if (plan === null) throw new Error(`engine ${engine.name} has no pending shutdown`);
  engine.shutdownPending = null;
  return plan;
}

function completeFinished(engine: SimEngine, onFinished: (r: SimRequest, e: SimEngine) => void): void {
  const finishS = engine.clockS;
  const prefilling = engine.prefilling;
  let keep = 0;
  for (let i = 0; i < prefilling.length; i++) {
    const r = prefilling[i]!;
    if (r.generatedTokens >= r.completionTokens) finish(engine, r, finishS, onFinished);
    else prefilling[keep++] = r;
  }
  truncateList(prefilling, keep);
  const decoding = engine.decoding;
  const batch = engine.batch;
  // generated = completion − (finishAt − iterations) ≥ completion exactly when finishAt ≤ iterations (small integers,
  // exact in doubles); the kept entries' least finishAt and awaiting count are taken on the way (no second pass).
  const iterations = batch.iterations;
  const finishAt = batch.finishAt;
  const awaitingFirstToken = batch.awaitingFirstToken;
  let nextFinishAt = Number.POSITIVE_INFINITY;
  let awaiting = 0;
  keep = 0;
  for (let i = 0; i < decoding.length; i++) {
    const r = decoding[i]!;
    const at = finishAt[i]!;
    if (at <= iterations) {
      r.generatedTokens = batch.generated(i);
      r.decodeTimeS = batch.decodeTimesS[i]!;
      finish(engine, r, finishS, onFinished);
    } else {
      if (keep !== i) {
        decoding[keep] = r;
        batch.move(i, keep);
      }
      if (at < nextFinishAt) nextFinishAt = at;
      awaiting += awaitingFirstToken[i]!;
      keep++;
    }
  }
  truncateList(decoding, keep);
  batch.truncate(keep, nextFinishAt, awaiting);
  engine.finishedCount = 0;
}

function finish(
  engine: SimEngine,
  r: SimRequest,
  finishS: number,
  onFinished: (r: SimRequest, e: SimEngine) => void,
): void {
  r.state = RequestState.Completed;
  r.finishTimeS = finishS;
  engine.reservedKvTokens -= r.promptTokens + r.completionTokens;
  onFinished(r, engine);
}

/**
 * Expected time to finish everything queued or running (the drain part of an action's cost): one prefill
 * draw for the remaining prefill tokens of requests not yet prefilled, plus one TPOT draw at the request
 * count times the longest remaining decode. Each term is 0, without a draw, when its count is 0.
 */
export function predictDrainS(engine: SimEngine, rng: SimRng): number {
  const n = engine.waiting.length + engine.runningCount;
  if (n === 0) return 0;
  let remainingPrefill = 0;
  let maxDecode = Number.NEGATIVE_INFINITY;
  const visit = (r: SimRequest) => {
    if (r.prefilledTokens < r.promptTokens) remainingPrefill += r.promptTokens - r.prefilledTokens;
    const left = r.completionTokens - r.generatedTokens;
    if (left > maxDecode) maxDecode = left;
  };
  for (let i = 0; i < engine.waiting.length; i++) visit(engine.waiting.at(i));
  for (const r of engine.prefilling) visit(r);
  const batch = engine.batch;
  batch.sync(engine.decoding);
  engine.decoding.forEach((r, i) => {
    if (r.prefilledTokens < r.promptTokens) remainingPrefill += r.promptTokens - r.prefilledTokens;
    const left = batch.completion[i]! - batch.generated(i);
    if (left > maxDecode) maxDecode = left;
  });
  const prefillS =
    remainingPrefill > 0
      ? sampleLinearS(rng, engine.prefillAlpha, engine.prefillBeta, engine.prefillSigma, remainingPrefill)
      : 0;
  let decodeS = 0;
  if (maxDecode > 0) {
    const g = rng.gauss(engine.tpotAlpha + engine.tpotBeta * n, engine.tpotSigma);
    decodeS = Math.max(g, 0) * maxDecode;
  }
  return prefillS + decodeS;
}
