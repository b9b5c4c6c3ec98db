import { describe, expect, it } from 'vitest';
import { LogicalProfile, RequestState, SimRequest, UNSET_TIME } from '../../../core/sim/index.js';
import { PARAMS } from '../../fixtures/sim/cluster.js';
import { CODING, makeSim, managed } from '../../fixtures/sim/scenarios.js';

// Coding on B200 7g.180gb (spec §9 check 7).
const coding7g = PARAMS.agents[CODING]!['B200']!.profiles['7g.180gb']!;
const AP = coding7g.prefill.alpha;
const BP = coding7g.prefill.beta;
const AT = coding7g.tpot.alpha;
const BT = coding7g.tpot.beta;

/** One Coding 7G engine, σ = 0, items given as [prompt, completion] pairs. */
function single7g(items: Array<[number, number]>, kvCapacityOverride?: number) {
  const { sim, cluster } = makeSim({
    cluster: {
      agents: [CODING],
      gpuModels: ['B200'],
      managedCount: 1,
      sigmaZero: true,
      tokens: () => ({ promptTokens: items.map((x) => x[0]), completionTokens: items.map((x) => x[1]) }),
    },
    layout: managed(0, 0, [LogicalProfile.G7]),
  });
  if (kvCapacityOverride !== undefined) sim.engines[0]!.kvCapacityTokens = kvCapacityOverride;
  return { sim, cluster, engine: sim.engines[0]! };
}

function completedOf(sim: ReturnType<typeof single7g>['sim']): SimRequest[] {
  return sim.agents[0]!.completed.toArray();
}

describe('engine step (σ = 0, Coding on B200 7G)', () => {
  it('gives the reference TTFT, E2E and TPOT for P=1000, C=200 arriving at 10 s (spec §9 check 7)', () => {
    const { sim } = single7g([[1000, 200]]);
    const [r] = sim.addArrivals([{ agent: 0, arrivalTimeS: 10, itemIndex: 0 }]);
    expect(sim.run()).toBe(false);
    expect(r!.state).toBe(RequestState.Completed);
    expect(r!.startTimeS).toBe(10);
    expect(r!.firstTokenTimeS - 10).toBeCloseTo(0.2263009842, 9);
    // TTFT = one prefill iteration of 1000 tokens + one decode iteration of one request.
    expect(r!.firstTokenTimeS - 10).toBeCloseTo(AP + 1000 * BP + (AT + BT), 12);
    expect(r!.finishTimeS).toBeCloseTo(15.1739033933, 9);
    expect(r!.finishTimeS - r!.arrivalTimeS).toBeCloseTo(5.1739033933, 9);
    expect(r!.decodeTimeS / r!.generatedTokens).toBeCloseTo(0.0248623237, 9);
    expect(r!.generatedTokens).toBe(200);
    expect(completedOf(sim)).toEqual([r]);
  });

  it('splits a 5000-token prompt into 2048/2048/904 chunks (spec §9 check 7)', () => {
    const { sim } = single7g([[5000, 3]]);
    const [r] = sim.addArrivals([{ agent: 0, arrivalTimeS: 100, itemIndex: 0 }]);
    sim.run();
    const chunk2048 = AP + 2048 * BP;
    const chunk904 = AP + 904 * BP;
    expect(chunk2048).toBeCloseTo(0.3657243269, 9);
    expect(chunk904).toBeCloseTo(0.1863895919, 9);
    expect(r!.firstTokenTimeS - 100).toBeCloseTo(0.9427005694, 9);
    expect(r!.finishTimeS - 100).toBeCloseTo(0.9924252167, 9);
  });

  it('piggybacks decode tokens on prefill iterations and charges the prefill duration to them', () => {
    // A: P=100, C=5 arrives at 0. B: P=3000, C=1 arrives while A decodes; B's two chunks each give A a token.
    const { sim } = single7g([
      [100, 5],
      [3000, 1],
    ]);
    const [a, b] = sim.addArrivals([
      { agent: 0, arrivalTimeS: 0, itemIndex: 0 },
      { agent: 0, arrivalTimeS: 0.1, itemIndex: 1 },
    ]);
    sim.run();
    const pA = AP + 100 * BP;
    const t1 = AT + BT; // tpot with one decoding request
    // A: prefill [0, pA]; decodes until clock ≥ 0.1 (B's arrival is A's owner's next stop).
    let clock = pA;
    let tokens = 0;
    let decode = 0;
    while (clock < 0.1) {
      clock += t1;
      decode += t1;
      tokens++;
    }
    // Then B is admitted: chunk 2047 (budget 2048 − 1 decoding) with A piggybacking, then chunk 953.
    const c1 = AP + 2047 * BP;
    const c2 = AP + 953 * BP;
    const remaining = 5 - tokens;
    expect(remaining).toBeGreaterThanOrEqual(2);
    // A gets a token in each of B's two prefill iterations…
    decode += c1 + c2;
    // …and the rest in decode iterations with two decoding requests (B joins after its prefill).
    const t2 = AT + 2 * BT;
    decode += (remaining - 2) * t2;
    expect(a!.decodeTimeS).toBeCloseTo(decode, 12);
    expect(a!.generatedTokens).toBe(5);
    expect(b!.startTimeS).toBeCloseTo(clock, 12);
    // B's first token comes from the iteration after its prefill completes.
    expect(b!.firstTokenTimeS).toBeCloseTo(clock + c1 + c2 + t2, 12);
  });

  it('reserves prompt + completion at admission and blocks the queue head when the KV cache is full', () => {
    // Capacity 1500 tokens: A (1000 + 200) fits; B (200 + 200) would need 1600 → waits; C behind B waits too.
    const { sim, engine } = single7g(
      [
        [1000, 200],
        [200, 200],
        [10, 1],
      ],
      1500,
    );
    const [a, b, c] = sim.addArrivals([
      { agent: 0, arrivalTimeS: 0, itemIndex: 0 },
      { agent: 0, arrivalTimeS: 0.001, itemIndex: 1 },
      { agent: 0, arrivalTimeS: 0.002, itemIndex: 2 },
    ]);
    sim.run();
    // Head-of-line blocking: B and C only start when A has finished and released its reservation.
    expect(b!.startTimeS).toBeCloseTo(a!.finishTimeS, 12);
    expect(c!.startTimeS).toBeCloseTo(a!.finishTimeS, 12);
    expect(c!.startTimeS).toBeGreaterThan(0.002);
    expect(engine.reservedKvTokens).toBe(0);
  });

  it('finishes a zero-completion request after one iteration with no first token (spec §8.10)', () => {
    const { sim } = single7g([[0, 0]]);
    const [r] = sim.addArrivals([{ agent: 0, arrivalTimeS: 5, itemIndex: 0 }]);
    sim.run();
    expect(r!.state).toBe(RequestState.Completed);
    expect(r!.firstTokenTimeS).toBe(UNSET_TIME);
    expect(r!.finishTimeS).toBe(5);
  });

  it('reports KV utilisation from actual use: 1050/45001 for a decoding request P=1000 with 50 generated (check 6)', () => {
    const { engine } = single7g([[1000, 200]]);
    expect(engine.kvCapacityTokens).toBe(45001);
    const r = new SimRequest(0, 0, 0, 0);
    Object.assign(r, {
      promptTokens: 1000,
      completionTokens: 200,
      prefilledTokens: 1000,
      generatedTokens: 50,
    });
    r.state = RequestState.Decoding;
    engine.decoding.push(r);
    expect(r!.generatedTokens).toBe(50);
    expect(engine.kvUtilization()).toBeCloseTo(1050 / 45001, 9);
    expect(1050 / 45001).toBeCloseTo(0.0233328, 7);
  });

  it('shows a decoding request’s current tokens and decode time whenever run() has returned', () => {
    // P=1000, C=40000 arriving at 1: still decoding at the trigger (t = 120); its numbers live in the engine's
    // decode batch during the run and are written back before run() returns.
    const { sim, engine } = single7g([[1000, 40000]]);
    const [r] = sim.addArrivals([{ agent: 0, arrivalTimeS: 1, itemIndex: 0 }]);
    sim.scheduleTriggers(2);
    expect(sim.run()).toBe(true);
    const tokens = r!.generatedTokens;
    expect(r!.state).toBe(RequestState.Decoding);
    expect(tokens).toBeGreaterThan(1000);
    // σ = 0 and one request: every decode iteration takes AT + BT; the first token came with the first of them.
    expect(r!.decodeTimeS).toBeCloseTo(tokens * (AT + BT), 6);
    expect(r!.firstTokenTimeS).toBeCloseTo(1 + AP + 1000 * BP + AT + BT, 9);
    expect(engine.kvUtilization()).toBeCloseTo((1000 + tokens) / engine.kvCapacityTokens, 12);
    sim.decide(null);
    expect(sim.run()).toBe(true);
    expect(r!.generatedTokens).toBeGreaterThan(tokens);
  });
});
