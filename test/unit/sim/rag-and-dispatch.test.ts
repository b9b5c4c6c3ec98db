import { describe, expect, it } from 'vitest';
import { LogicalProfile as P, SimRequest } from '../../../core/sim/index.js';
import { dispatch } from '../../../core/sim/serving.js';
import { Successors } from '../../../core/sim/successors.js';
import { CODING, makeSim, makeState, managed, permanentA100, RAG } from '../../fixtures/sim/scenarios.js';

const [Coding, Rag] = [0, 1];

const twoAgentSetup = {
  cluster: { agents: [CODING, RAG], gpuModels: ['B200', 'B200', 'A100_40GB'], sigmaZero: true },
  layout: [
    ...permanentA100(2, [Coding, Rag]),
    ...managed(0, Coding, [P.G4, P.G3]),
    ...managed(1, Rag, [P.G7]),
  ],
};

function twoAgents() {
  return makeSim(twoAgentSetup).sim;
}

describe('RAG search delay (spec §2.3)', () => {
  it('dispatches a RAG request U(0.05, 0.3) s after arrival while TTFT still counts from arrival', () => {
    const sim = twoAgents();
    const [r] = sim.addArrivals([{ agent: Rag, arrivalTimeS: 10, itemIndex: 0 }]);
    sim.run();
    expect(r!.startTimeS).toBeGreaterThanOrEqual(10.05);
    expect(r!.startTimeS).toBeLessThanOrEqual(10.3);
    expect(r!.servingEngine!.profile.name).toBe('7g.180gb');
    expect(r!.firstTokenTimeS - r!.arrivalTimeS).toBeGreaterThan(r!.firstTokenTimeS - r!.startTimeS);
  });

  it('drops a RAG request still searching at a trigger from the interval list (spec §8.9)', () => {
    const sim = twoAgents();
    const [searching] = sim.addArrivals([
      { agent: Rag, arrivalTimeS: 119.99, itemIndex: 0 },
      { agent: Coding, arrivalTimeS: 500, itemIndex: 0 },
    ]);
    sim.scheduleTriggers(2);
    expect(sim.run()).toBe(true);
    expect(sim.metrics.intervalRequests[Rag]).toContain(searching);
    sim.decide(null);
    expect(sim.metrics.intervalRequests[Rag]).not.toContain(searching);
    expect(searching!.servingEngine).toBeNull();
  });
});

describe('agent-level dispatch (spec §2.3)', () => {
  it('picks the engine with the shortest waiting queue, larger first, earlier in the list on ties', () => {
    const { state } = makeState(twoAgentSetup);
    const [perm, g4, g3] = state.agents[Coding]!.engines;
    expect([perm!.permanent, g4!.profile.name, g3!.profile.name]).toEqual([true, '4g.90gb', '3g.90gb']);
    // Dispatch at a trigger time so no engine iterates: queues only grow, and nothing is scheduled.
    state.triggerTimes.push(120);
    state.nowS = 120;
    // The 3G is busy running a request: running work is ignored by the key.
    g3!.decoding.push(new SimRequest(99, Coding, 0, 0));
    const out = new Successors();
    const send = (id: number) => {
      const r = new SimRequest(id, Coding, 0, 120);
      dispatch(state, state.agents[Coding]!, r, out);
      return r.servingEngine;
    };
    expect(send(0)).toBe(g4); // all without waiting: the largest
    expect(send(1)).toBe(g3); // 4G has one waiting: 3G (running ignored) beats the 2G
    expect(send(2)).toBe(perm); // the permanent 2G is the only one without waiting
    expect(send(3)).toBe(g4); // all have one waiting: the largest again
    expect([perm!.waiting.length, g4!.waiting.length, g3!.waiting.length]).toEqual([1, 2, 1]);
    expect(out.length).toBe(0);
  });

  it('sets token lengths from the chosen engine’s model at dispatch', () => {
    const { sim } = makeSim({
      cluster: {
        agents: [CODING],
        gpuModels: ['B200', 'A100_40GB'],
        sigmaZero: true,
        tokens: (_a, model) =>
          model === 'qwen2.5-coder-3b-instruct'
            ? { promptTokens: [111], completionTokens: [22] }
            : { promptTokens: [999], completionTokens: [88] },
      },
      layout: [...permanentA100(1, [0]), ...managed(0, 0, [P.G7])],
    });
    const [onBig, onPerm] = sim.addArrivals([
      { agent: 0, arrivalTimeS: 1, itemIndex: 0 },
      { agent: 0, arrivalTimeS: 1, itemIndex: 0 },
    ]);
    sim.run();
    // The 7G stops at the second arrival (same time) before iterating, so that arrival sees it waiting and
    // goes to the permanent engine, whose coder-3b model has other lengths for the same item.
    expect(onBig!.servingEngine!.profile.name).toBe('7g.180gb');
    expect([onBig!.promptTokens, onBig!.completionTokens]).toEqual([999, 88]);
    expect(onPerm!.servingEngine!.permanent).toBe(true);
    expect([onPerm!.promptTokens, onPerm!.completionTokens]).toEqual([111, 22]);
  });
});
