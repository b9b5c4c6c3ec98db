/**
 * The request publisher: the replayed workload (seeded arrival patterns from deployment.yaml, prompts from the
 * prepared datasets) dispatched on the wall clock against the ready engines, each request streamed and measured
 * (core/engines' streamChat). Routing follows spec §5.3 — an agent's ready, non-draining slots; with several, prefer an
 * empty queue, then the shorter queue, then the bigger slice — but reads the queues from the 1 Hz scrape instead of
 * blocking on fresh /metrics calls. Every request ends as exactly one record: completed, failed (with the reason)
 * or cancelled (still in flight when the window's grace period ran out or the run was stopped).
 */

import type { ResolvedBenchConfig } from '../config/index.js';
import { type RequestStatus, streamChat } from '../engines/index.js';
import type { AgentName } from '../mig/index.js';
import { sleep } from '../util/index.js';
import { activePattern, generateBenchTrace, type WorkloadPhase } from '../workload/index.js';
import type { LiveCluster, LiveSlot } from './live-cluster.js';

export interface PlannedRequest {
  id: string;
  agent: AgentName;
  /** Seconds from the start of the run. */
  arrivalS: number;
  prompt: number;
}

export interface WorkloadPlan {
  horizonS: number;
  requests: PlannedRequest[];
  phases: Partial<Record<AgentName, WorkloadPhase[]>>;
}

const SHORT: Readonly<Record<string, string>> = { CodingAgent: 'coding', RAGAgent: 'rag', ChatAgent: 'chat' };

/**
 * The run's whole arrival trace, generated once from the seed: the benchmark's generator (pattern phases,
 * a fresh rate per gap) over deployment.yaml's workloads, cut to the run's horizon.
 */
export function planWorkload(o: {
  seed: number;
  workloads: ResolvedBenchConfig['workloads'];
  bench: ResolvedBenchConfig;
  agents: readonly AgentName[];
  promptCounts: readonly number[];
  decisionIntervalS: number;
  windows: number;
}): WorkloadPlan {
  const trace = generateBenchTrace({
    bench: { ...o.bench, seed: o.seed, workloads: o.workloads, workloadSequence: undefined },
    agents: o.agents,
    itemCounts: o.promptCounts,
    actionIntervalS: o.decisionIntervalS,
    steps: o.windows,
  });
  const requests: PlannedRequest[] = [];
  const phases: WorkloadPlan['phases'] = {};
  trace.agents.forEach((a) => {
    phases[a.agent] = [...a.phases];
    a.arrivals.forEach((r, i) => {
      requests.push({
        id: `${SHORT[a.agent] ?? a.agent}-${i}`,
        agent: a.agent,
        arrivalS: r.arrivalTimeS,
        prompt: r.itemIndex,
      });
    });
  });
  requests.sort((x, y) => x.arrivalS - y.arrivalS);
  return { horizonS: trace.horizonS, requests, phases };
}

export { activePattern };

export interface RequestRecord {
  id: string;
  agent: AgentName;
  arrivalS: number;
  /** Run seconds when it was sent (after waiting for a ready engine, if none was). */
  sentS: number;
  slot?: string;
  profile?: string;
  permanent?: boolean;
  status: RequestStatus;
  reason?: string;
  ttftS: number;
  tpotS: number;
  e2eS: number;
  completionTokens: number;
}

/** Spec §5.3's choice among several ready slots, on the latest scraped queue lengths. */
export function chooseSlot(candidates: readonly LiveSlot[]): LiveSlot | undefined {
  if (candidates.length <= 1) return candidates[0];
  let best: LiveSlot | undefined;
  let bestKey: [number, number, number] | undefined;
  for (const s of candidates) {
    const w = s.metrics?.waiting ?? 0;
    const key: [number, number, number] = [w > 0 ? 1 : 0, w, -s.plan.sizeSlices];
    if (
      !bestKey ||
      key[0] < bestKey[0] ||
      (key[0] === bestKey[0] && (key[1] < bestKey[1] || (key[1] === bestKey[1] && key[2] < bestKey[2])))
    ) {
      best = s;
      bestKey = key;
    }
  }
  return best;
}

export interface PublishOptions {
  live: LiveCluster;
  /** This window's requests, arrival-ordered. */
  requests: readonly PlannedRequest[];
  prompts: ReadonlyMap<AgentName, readonly string[]>;
  /** Run seconds at which the window (and its wall clock) starts. */
  windowStartS: number;
  windowStartMs: number;
  requestTimeoutMs: number;
  /** Longest wait for an agent to have a ready engine before the request fails. */
  routeWaitMs: number;
  maxTokens?: number;
  /** Aborted → stop dispatching and cancel what is in flight. */
  signal: AbortSignal;
  /** A request failed on a slot whose /health no longer answers. */
  onDeadEngine: (slot: LiveSlot) => void;
  isHealthy: (baseUrl: string) => Promise<boolean>;
}

/**
 * Dispatches the window's requests on schedule and resolves with one record per request once every request has
 * ended. `signal` cancels what is still waiting or streaming (those become `cancelled`).
 */
export async function publishWindow(o: PublishOptions): Promise<RequestRecord[]> {
  const { live } = o;
  const records: RequestRecord[] = [];
  const inFlight: Promise<void>[] = [];
  live.totalPlanned += o.requests.length;
  for (const r of o.requests) {
    const dueMs = o.windowStartMs + (r.arrivalS - o.windowStartS) * 1000;
    await sleep(dueMs - Date.now(), o.signal);
    if (o.signal.aborted) {
      records.push(cancelledRecord(r, live.runTimeS(), 'run stopped before dispatch'));
      continue;
    }
    live.noteArrival(r.agent);
    live.dispatched++;
    inFlight.push(
      sendOne(o, r).then((rec) => {
        records.push(rec);
        live.finished++;
      }),
    );
  }
  await Promise.all(inFlight);
  return records.sort((a, b) => a.arrivalS - b.arrivalS);
}

function cancelledRecord(r: PlannedRequest, atS: number, reason: string): RequestRecord {
  return {
    id: r.id,
    agent: r.agent,
    arrivalS: r.arrivalS,
    sentS: atS,
    status: 'cancelled',
    reason,
    ttftS: 0,
    tpotS: 0,
    e2eS: 0,
    completionTokens: 0,
  };
}

async function sendOne(o: PublishOptions, r: PlannedRequest): Promise<RequestRecord> {
  const { live } = o;
  let slot = chooseSlot(live.candidates(r.agent));
  const waitUntil = Date.now() + o.routeWaitMs;
  while (!slot && Date.now() < waitUntil && !o.signal.aborted) {
    await sleep(200, o.signal);
    slot = chooseSlot(live.candidates(r.agent));
  }
  if (o.signal.aborted) return cancelledRecord(r, live.runTimeS(), 'run stopped while waiting for an engine');
  const sentS = live.runTimeS();
  if (!slot) {
    return {
      ...cancelledRecord(r, sentS, ''),
      status: 'failed',
      reason: `no ready engine for ${r.agent} within ${Math.round(o.routeWaitMs / 1000)} s`,
    };
  }
  const prompts = o.prompts.get(r.agent) ?? [];
  slot.inFlight++;
  try {
    const out = await streamChat({
      baseUrl: slot.baseUrl,
      model: slot.servedModel ?? '',
      prompt: prompts[r.prompt % Math.max(1, prompts.length)] ?? 'Hello',
      timeoutMs: o.requestTimeoutMs,
      signal: o.signal,
      ...(o.maxTokens ? { maxTokens: o.maxTokens } : {}),
    });
    if (out.status === 'completed') {
      live.recordCompletion(r.agent, slot, out.ttftS, out.tpotS, out.completionTokens);
    } else if (out.status === 'failed' && out.reason !== 'timeout' && !slot.draining && slot.ready) {
      // Spec §4.6: a failure other than the overall timeout makes us look at the engine's health.
      if (!(await o.isHealthy(slot.baseUrl)) && slot.ready && !slot.draining) o.onDeadEngine(slot);
    }
    return {
      id: r.id,
      agent: r.agent,
      arrivalS: r.arrivalS,
      sentS,
      slot: slot.plan.key,
      profile: slot.plan.permanent ? 'permanent' : slot.plan.logical,
      permanent: slot.plan.permanent,
      status: out.status,
      ...(out.reason ? { reason: out.reason } : {}),
      ttftS: out.ttftS,
      tpotS: out.tpotS,
      e2eS: out.e2eS,
      completionTokens: out.completionTokens,
    };
  } finally {
    slot.inFlight--;
  }
}
