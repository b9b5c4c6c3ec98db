/**
 * Bit-for-bit regression guard for speed work on the simulator: a busy 3-agent run with real σ, chunked
 * prefills, zero-token requests, KV pressure and split/transfer/merge on busy engines, fingerprinted over every
 * handled event, every completed request's numbers, what the reward reads of in-flight requests at each
 * decision, and the interval integrals. Every draw comes from the CPython-exact stream the RL env and the bench
 * use (core/random), so the latency samples are the production ones. The expected digests were recorded on the implementation that the
 * parity tests (spec §9) check against the reference; any change to an event, a draw or a float shows here.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CPythonRandom } from '../../../core/random/index.js';
import {
  LogicalProfile as P,
  type SimAction,
  type SimRequest,
  type SimRng,
  type TokenTable,
  TraceHash,
} from '../../../core/sim/index.js';
import {
  CHAT,
  CODING,
  makeSim,
  managed,
  permanentA100,
  poissonArrivals,
  RAG,
} from '../../fixtures/sim/scenarios.js';

/** 400 items per model: prompts up to 6000 tokens (several chunks), completions up to 900, a few 0/0 failures. */
function tokens(_agent: number, model: string): TokenTable {
  const rng = new CPythonRandom(model.length * 7919);
  const promptTokens: number[] = [];
  const completionTokens: number[] = [];
  for (let i = 0; i < 400; i++) {
    const failed = i % 97 === 13;
    promptTokens.push(failed ? 0 : 50 + Math.floor(rng.random() * 6000));
    completionTokens.push(failed ? 0 : Math.floor(rng.random() * 900));
  }
  return { promptTokens, completionTokens };
}

function requestNumbers(r: SimRequest): number[] {
  return [
    r.id,
    r.arrivalTimeS,
    r.startTimeS,
    r.firstTokenTimeS,
    r.finishTimeS,
    r.decodeTimeS,
    r.generatedTokens,
    r.prefilledTokens,
    r.promptTokens,
    r.completionTokens,
    r.servingEngine?.id ?? -1,
  ];
}

/**
 * `perDraw`: hide CPythonRandom's `gaussRun` from the simulator, so runs of decode iterations draw one `gauss` at a
 * time (the path any other stream takes); the numbers must not change.
 */
function fingerprint(
  seed: number,
  perDraw = false,
): { events: string; state: string; count: number; completed: number } {
  const trace = new TraceHash();
  const h = createHash('sha256');
  const put = (xs: number[]) => h.update(new Uint8Array(Float64Array.from(xs).buffer));
  let completed = 0;
  const { sim } = makeSim({
    cluster: { agents: [CODING, RAG, CHAT], gpuModels: ['B200', 'B200', 'B200', 'A100_40GB'], tokens },
    layout: [
      ...permanentA100(3, [2, 0, 1]),
      ...managed(0, 0, [P.G2, P.G2, P.G3]),
      ...managed(1, 1, [P.G4, P.G3]),
      ...managed(2, 2, [P.G7]),
    ],
    rng: perDraw ? oneDrawAtATime(new CPythonRandom(seed)) : new CPythonRandom(seed),
    hooks: {
      onEvent: (t, k, id) => trace.record(t, k, id),
      onRequestCompleted: (r) => {
        completed++;
        put(requestNumbers(r));
      },
    },
  });
  const arrivalRng = new CPythonRandom(seed + 1);
  const arrivals = [
    ...poissonArrivals(arrivalRng, 0, 6, 0, 1900),
    ...poissonArrivals(arrivalRng, 1, 7, 0, 1900),
    ...poissonArrivals(arrivalRng, 2, 3, 0, 1900),
  ].map((a, i) => ({ ...a, itemIndex: (i * 37) % 400 }));
  sim.addArrivals(arrivals);
  sim.scheduleTriggers(16);
  const plan = new Map<number, SimAction>([
    [240, { kind: 'split', gpu: 0, sources: [1], targets: [1, 2], targetStateId: 9 }],
    [600, { kind: 'transfer', gpu: 1, sources: [0], targets: [0], targetStateId: 2, receiver: 0 }],
    [960, { kind: 'merge', gpu: 0, sources: [1, 2], targets: [1], targetStateId: 8 }],
    [1440, { kind: 'split', gpu: 2, sources: [0], targets: [0, 1, 2], targetStateId: 8 }],
  ]);
  while (sim.run()) {
    for (const list of sim.metrics.intervalRequests) for (const r of list) put(requestNumbers(r));
    put([...sim.metrics.queueIntegral, ...sim.metrics.runningIntegral, sim.metrics.budgetS]);
    for (const e of sim.engines) put([e.id, e.clockS, e.waiting.length, e.runningCount, e.kvUtilization()]);
    sim.decide(plan.get(sim.nowS) ?? null);
  }
  return { events: trace.hex(), state: h.digest('hex').slice(0, 16), count: trace.count, completed };
}

function oneDrawAtATime(rng: CPythonRandom): SimRng {
  return { uniform: (a, b) => rng.uniform(a, b), gauss: (mu, sigma) => rng.gauss(mu, sigma) };
}

describe('golden trace', () => {
  it('reproduces the recorded events, request numbers and integrals bit for bit', () => {
    expect(fingerprint(3)).toEqual({
      events: 'ca7781091bd7ee4a',
      state: '3de9ce71e6ffa87d',
      count: 142025,
      completed: 30260,
    });
  });

  it('is the same when the stream draws runs of decode iterations one draw at a time', () => {
    expect(fingerprint(3, true)).toEqual(fingerprint(3));
  });
});
