/**
 * The per-request metrics of spec §6 over a set of completed requests (mock-train's report): means of
 * E2E latency, TTFT, queueing and TPOT; P90 as sorted[int(0.9·n)] without interpolation; throughput as
 * Σ completion tokens / Σ (finish − start).
 */
import type { SimRequest } from './entities/request.js';

export interface RequestSummary {
  readonly count: number;
  readonly meanLatencyS: number;
  readonly meanTtftS: number;
  readonly p90TtftS: number;
  readonly meanQueueingS: number;
  readonly meanTpotS: number;
  readonly p90TpotS: number;
  readonly throughputTokensPerS: number;
}

/** TTFT counts from arrival (RAG search, queueing, prefill and the first decode iteration included). */
export function ttftS(r: SimRequest): number {
  return r.firstTokenTimeS >= 0 ? r.firstTokenTimeS - r.arrivalTimeS : 0;
}

/** decode time / generated tokens; includes the first-token iteration. */
export function tpotS(r: SimRequest): number {
  return r.generatedTokens > 0 ? r.decodeTimeS / r.generatedTokens : 0;
}

function p90(values: number[]): number {
  if (values.length === 0) return 0;
  values.sort((a, b) => a - b);
  return values[Math.trunc(0.9 * values.length)]!;
}

const mean = (xs: readonly number[]) => (xs.length === 0 ? 0 : xs.reduce((s, x) => s + x, 0) / xs.length);

export function summarizeCompleted(requests: readonly SimRequest[]): RequestSummary {
  const done = requests.filter((r) => r.finishTimeS >= 0);
  const ttfts = done.map(ttftS);
  const tpots = done.map(tpotS);
  let tokens = 0;
  let busyS = 0;
  for (const r of done) {
    tokens += r.completionTokens;
    busyS += r.finishTimeS - r.startTimeS;
  }
  return {
    count: done.length,
    meanLatencyS: mean(done.map((r) => r.finishTimeS - r.arrivalTimeS)),
    meanTtftS: mean(ttfts),
    p90TtftS: p90([...ttfts]),
    meanQueueingS: mean(done.map((r) => r.startTimeS - r.arrivalTimeS)),
    meanTpotS: mean(tpots),
    p90TpotS: p90([...tpots]),
    throughputTokensPerS: busyS > 0 ? tokens / busyS : 0,
  };
}
