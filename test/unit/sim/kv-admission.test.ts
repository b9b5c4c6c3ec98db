/**
 * The KV-capacity rule (core/sim/kv-admission.ts, a deviation that is off by default): dispatch goes only to engines
 * whose KV cache holds the request, a request none of the ACTIVE engines holds waits in its agent's KV queue until
 * one boots, and one that no configured profile holds is an error. Capacities come from the reference's A100
 * numbers: floor(kv_cache_GB × 1048576 / kv_per_token_KB) = 35 225 tokens on a Coding 7g.40gb (14B, 6.45 GB,
 * 192 KB/token), 68 739 on a 2g.10gb and 69 322 on a 1g.10gb (3B, 2.36 / 2.38 GB, 36 KB/token).
 */
import { describe, expect, it } from 'vitest';
import { EngineStatus, LogicalProfile as P, SimRequest } from '../../../core/sim/index.js';
import { dispatchParked } from '../../../core/sim/kv-dispatch.js';
import { dispatch } from '../../../core/sim/serving.js';
import { Successors } from '../../../core/sim/successors.js';
import { CODING, makeSim, makeState, managed, permanentA100 } from '../../fixtures/sim/scenarios.js';

const Coding = 0;
/** Items: 0 short (fits every engine), 1 = 50 000 tokens (2g/1g only), 2 = 69 000 (1g only), 3 = 80 000 (none). */
const tokens = () => ({
  promptTokens: [1000, 49_500, 68_900, 79_000],
  completionTokens: [100, 500, 100, 1000],
});
/** Coding: the permanent 2g, a 7g on managed GPU 0. */
const sevenG = [...permanentA100(1, [Coding]), ...managed(0, Coding, [P.G7])];

const clusterOptions = { agents: [CODING], gpuModels: ['A100_40GB', 'A100_40GB'], sigmaZero: true, tokens };

function sim(kvCapacityRule: boolean) {
  return makeSim({ cluster: clusterOptions, layout: sevenG, kvCapacityRule }).sim;
}

function state(layout = sevenG) {
  const { state: st } = makeState({ cluster: clusterOptions, layout, kvCapacityRule: true });
  // A trigger ahead, so dispatching steps nothing past it and the test reads queues as dispatch left them.
  st.triggerTimes.push(120);
  st.nowS = 120;
  return st;
}

describe('KV-capacity rule', () => {
  it('capacities follow from kv_cache_GB and kv_per_token_KB of each profile’s model', () => {
    const s = sim(true);
    expect(s.agents[Coding]!.engines.map((e) => [e.profile.name, e.kvCapacityTokens])).toEqual([
      ['2g.10gb', 68_739],
      ['7g.40gb', 35_225],
    ]);
  });

  it('off (the reference): a request larger than the chosen engine’s KV cache blocks it for good', () => {
    const s = sim(false);
    // Both engines idle: the larger (7g) wins the tie, and can never admit 50 000 tokens.
    s.addArrivals([{ agent: Coding, arrivalTimeS: 1, itemIndex: 1 }]);
    expect(() => s.run()).toThrow(/can never admit its next request.*50000 tokens > KV capacity 35225/);
  });

  it('on: the long request goes to the engine that holds it, the short one to the reference’s choice', () => {
    const s = sim(true);
    const [long, short] = s.addArrivals([
      { agent: Coding, arrivalTimeS: 1, itemIndex: 1 },
      { agent: Coding, arrivalTimeS: 2, itemIndex: 0 },
    ]);
    s.run();
    expect(long!.servingEngine!.profile.name).toBe('2g.10gb');
    expect(short!.servingEngine!.profile.name).toBe('7g.40gb');
    expect(long!.finishTimeS).toBeGreaterThan(1);
    expect(short!.finishTimeS).toBeGreaterThan(2);
  });

  it('on: a request no ACTIVE engine holds waits in the KV queue until one that holds it boots', () => {
    // Coding: the permanent 2g (68 739) and, on GPU 0, state 12's three 2g and a 1g (69 322) — the 1g booting.
    const st = state([...permanentA100(1, [Coding]), ...managed(0, Coding, [P.G2, P.G2, P.G2, P.G1Large])]);
    const oneG = st.agents[Coding]!.engines.find((e) => e.profile.name === '1g.10gb')!;
    oneG.status = EngineStatus.Booting;
    const out = new Successors();
    const r = new SimRequest(0, Coding, 2, 120);
    dispatch(st, st.agents[Coding]!, r, out);
    expect(r.servingEngine).toBeNull();
    expect(st.kv!.parkedCount(Coding)).toBe(1);
    // A later request that the 2g engines hold is not held up by it.
    const short = new SimRequest(1, Coding, 0, 120);
    dispatch(st, st.agents[Coding]!, short, out);
    expect(short.servingEngine!.profile.name).toBe('2g.10gb');
    // The 1g boots: the parked request is dispatched to it.
    oneG.status = EngineStatus.Active;
    dispatchParked(st, oneG, out);
    expect(r.servingEngine).toBe(oneG);
    expect(r.promptTokens + r.completionTokens).toBe(69_000);
    expect(st.kv!.parkedCount(Coding)).toBe(0);
  });

  it('on: a request no configured profile of its agent can hold is an error that names the fix', () => {
    const st = state();
    const r = new SimRequest(0, Coding, 3, 120);
    expect(() => dispatch(st, st.agents[Coding]!, r, new Successors())).toThrow(
      /is longer than any engine configured for CodingAgent holds.*kv_cache_GB/,
    );
  });
});
