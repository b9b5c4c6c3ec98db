import { describe, expect, it } from 'vitest';
import {
  type ArrivalSpec,
  EngineStatus,
  EventKind,
  LogicalProfile as P,
  RequestState,
  SimRequest,
  type Simulator,
} from '../../../core/sim/index.js';
import { CHAT, CODING, makeSim, managed, permanentA100, RAG } from '../../fixtures/sim/scenarios.js';

const AGENTS3 = [CODING, RAG, CHAT];
const GPUS3 = ['B200', 'B200', 'B200', 'A100_40GB'];
const [Coding, Rag, Chat] = [0, 1, 2];

/** A light Coding stream (one request every `everyS` seconds) that keeps `run()` going to each trigger. */
function steadyCoding(untilS: number, everyS = 5): ArrivalSpec[] {
  const out: ArrivalSpec[] = [];
  for (let t = 1; t < untilS; t += everyS) out.push({ agent: Coding, arrivalTimeS: t, itemIndex: 0 });
  return out;
}

function names(sim: Simulator, gpu: number): string[] {
  return sim.gpuEngines(gpu).map((e) => e.profile.name);
}

describe('state identification and layout (spec §1.4, §2.8.4)', () => {
  it('reports physical state 10 as 9 and 16 as 15, re-laid-out into the reported tuple (check 5)', () => {
    const { sim } = makeSim({
      cluster: { agents: AGENTS3, gpuModels: GPUS3, sigmaZero: true },
      layout: [
        ...permanentA100(3, [Chat, Coding, Rag]),
        ...managed(0, Chat, [P.G7]),
        ...managed(1, Coding, [P.G1Small, P.G1Small, P.G2, P.G3]),
        ...managed(2, Rag, [P.G1Small, P.G1Small, P.G2, P.G1Small, P.G1Small, P.G1Large]),
      ],
    });
    expect(sim.managedGpuStates()).toEqual([1, 9, 15]);
    expect(names(sim, 1)).toEqual(['2g.45gb', '1g.23gb', '1g.23gb', '3g.90gb']);
    expect(sim.gpuState(3)).toBe(12);
    // The unused padding engine is on the GPU but serves no agent.
    expect(names(sim, 3)).toEqual(['2g.10gb', '2g.10gb', '2g.10gb', '1g.10gb']);
    expect(sim.agents.map((a) => a.engines.length)).toEqual([5, 7, 2]);
  });
});

describe('action cost prediction (spec §2.9, check 8)', () => {
  function costSim() {
    return makeSim({
      cluster: { agents: AGENTS3, gpuModels: GPUS3, sigmaZero: true },
      layout: [
        ...permanentA100(3, [Chat, Coding, Rag]),
        ...managed(0, Coding, [P.G7]),
        ...managed(1, Rag, [P.G4, P.G3]),
        ...managed(2, Chat, [P.G1Small, P.G1Small, P.G1Small, P.G1Small, P.G1Small, P.G1Small, P.G1Large]),
      ],
    }).sim;
  }

  it('charges drain + restart for a busy 7G Coding engine: 3.8761645 and 72.3761645 for a transfer', () => {
    const sim = costSim();
    const engine = sim.gpuEngines(0)[0]!;
    const decoding = new SimRequest(0, Coding, 0, 0);
    Object.assign(decoding, {
      promptTokens: 1000,
      completionTokens: 200,
      prefilledTokens: 1000,
      generatedTokens: 50,
    });
    decoding.state = RequestState.Decoding;
    engine.decoding.push(decoding);
    const waiting = new SimRequest(1, Coding, 0, 0);
    Object.assign(waiting, { promptTokens: 500, completionTokens: 100 });
    engine.waiting.push(waiting);
    const transfer = {
      kind: 'transfer',
      gpu: 0,
      sources: [0],
      targets: [0],
      targetStateId: 1,
      receiver: Rag,
    } as const;
    expect(sim.predictActionCostS(transfer)).toBeCloseTo(72.3761645, 6);
    const split = { kind: 'split', gpu: 0, sources: [0], targets: [0, 1], targetStateId: 2 } as const;
    expect(sim.predictActionCostS(split)).toBeCloseTo(3.8761645 + 62.5, 6);
  });

  it('charges only the restart for idle engines: 63.2, 62.5, 68.5, 68.5, 62.5', () => {
    const sim = costSim();
    const cost = (a: Parameters<Simulator['predictActionCostS']>[0]) => sim.predictActionCostS(a);
    expect(
      cost({ kind: 'split', gpu: 0, sources: [0], targets: [0, 1, 2, 3, 4, 5, 6], targetStateId: 19 }),
    ).toBeCloseTo(63.2, 12);
    expect(cost({ kind: 'split', gpu: 0, sources: [0], targets: [0, 1], targetStateId: 2 })).toBeCloseTo(
      62.5,
      12,
    );
    expect(cost({ kind: 'merge', gpu: 1, sources: [0, 1], targets: [0], targetStateId: 1 })).toBeCloseTo(
      68.5,
      12,
    );
    expect(
      cost({ kind: 'transfer', gpu: 0, sources: [0], targets: [0], targetStateId: 1, receiver: Chat }),
    ).toBeCloseTo(68.5, 12);
    expect(cost({ kind: 'merge', gpu: 2, sources: [4, 5, 6], targets: [4], targetStateId: 11 })).toBeCloseTo(
      62.5,
      12,
    );
  });
});

describe('reconfiguration execution', () => {
  it('splits an idle 2G (8 → 10): shutdown at the trigger, two 1S boots at +63.2, reported state 9 (check 5)', () => {
    const seen: Array<{ t: number; kind: number; flag: boolean }> = [];
    const ref: { sim?: Simulator } = {};
    const { sim } = makeSim({
      cluster: { agents: AGENTS3, gpuModels: GPUS3, sigmaZero: true },
      layout: [
        ...permanentA100(3, [Chat, Coding, Rag]),
        ...managed(0, Chat, [P.G2, P.G2, P.G3]),
        ...managed(1, Coding, [P.G7]),
        ...managed(2, Rag, [P.G7]),
      ],
      hooks: {
        onEvent: (t, kind) => {
          if (kind !== EventKind.RequestArrival && kind !== EventKind.EngineStepComplete) {
            seen.push({ t, kind, flag: ref.sim?.metrics.reconfigFlag ?? false });
          }
        },
      },
    });
    ref.sim = sim;
    sim.addArrivals(steadyCoding(400));
    sim.scheduleTriggers(3);
    expect(sim.run()).toBe(true);
    expect(sim.nowS).toBe(120);
    const before = sim.gpuEngines(0)[0]!;
    sim.decide({ kind: 'split', gpu: 0, sources: [0], targets: [0, 1], targetStateId: 10 });
    expect(before.status).toBe(EngineStatus.Draining);
    expect(sim.metrics.reconfigFlag).toBe(true);
    expect(sim.metrics.budgetS).toBeCloseTo(300 - 63.2, 12);
    const orig = seen.length;
    expect(sim.run()).toBe(true);
    expect(sim.nowS).toBe(240);
    const later = seen.slice(orig);
    expect(later.map((e) => e.kind)).toEqual([
      EventKind.EngineShutdownComplete,
      EventKind.EngineBootComplete,
      EventKind.EngineBootComplete,
      EventKind.ResourceManagerTrigger,
    ]);
    expect(later[0]!.t).toBe(120);
    expect(later[1]!.t).toBeCloseTo(183.2, 9);
    expect(later[2]!.t).toBeCloseTo(183.2, 9);
    // The flag was still set when the second boot was handled, and cleared by it.
    expect(later[2]!.flag).toBe(true);
    expect(later[3]!.flag).toBe(false);
    expect(sim.gpuState(0)).toBe(9);
    expect(names(sim, 0)).toEqual(['2g.45gb', '1g.23gb', '1g.23gb', '3g.90gb']);
    expect(sim.gpuEngines(0).every((e) => e.status === EngineStatus.Active)).toBe(true);
    expect(sim.metrics.reconfigFlag).toBe(false);
    expect(before.alive).toBe(false);
  });

  it('keeps the flag set until the last split sibling of the same owner has booted', () => {
    // Split 1 → 3 creates 4G, 2G and 1L siblings with restart times 62.1, 61.4 and 63.2 s.
    const ref: { sim?: Simulator } = {};
    const bootFlags: Array<[number, boolean]> = [];
    const { sim } = makeSim({
      cluster: { agents: AGENTS3, gpuModels: GPUS3, sigmaZero: true },
      layout: [
        ...permanentA100(3, [Chat, Coding, Rag]),
        ...managed(0, Chat, [P.G7]),
        ...managed(1, Coding, [P.G7]),
        ...managed(2, Rag, [P.G7]),
      ],
      hooks: {
        onEvent: (t, kind) => {
          if (kind === EventKind.EngineBootComplete || kind === EventKind.ResourceManagerTrigger) {
            bootFlags.push([t, ref.sim?.metrics.reconfigFlag ?? false]);
          }
        },
      },
    });
    ref.sim = sim;
    sim.addArrivals(steadyCoding(400));
    sim.scheduleTriggers(3);
    sim.run();
    sim.decide({ kind: 'split', gpu: 0, sources: [0], targets: [0, 1, 2], targetStateId: 3 });
    // Cost is the slowest sibling's restart.
    expect(sim.metrics.lastActionDowntimeS).toBeCloseTo(63.2, 12);
    bootFlags.length = 0;
    sim.run();
    // Flag as seen just before each event: still set at every boot, cleared only by the last (183.2).
    expect(bootFlags.map(([t]) => Math.round(t * 10) / 10)).toEqual([181.4, 182.1, 183.2, 240]);
    expect(bootFlags.map(([, f]) => f)).toEqual([true, true, true, false]);
    expect(names(sim, 0)).toEqual(['4g.90gb', '2g.45gb', '1g.45gb']);
    const clocks = sim.gpuEngines(0).map((e) => e.clockS);
    // Each engine became ACTIVE at its own boot time: 120 + 62.1, + 61.4, + 63.2.
    expect(clocks[0]).toBeCloseTo(182.1, 9);
    expect(clocks[1]).toBeCloseTo(181.4, 9);
    expect(clocks[2]).toBeCloseTo(183.2, 9);
  });

  it('merges only when every source has drained, then boots one engine for the merged profile', () => {
    const { sim } = makeSim({
      cluster: { agents: AGENTS3, gpuModels: GPUS3, sigmaZero: true },
      layout: [
        ...permanentA100(3, [Chat, Coding, Rag]),
        ...managed(0, Coding, [P.G4, P.G3]),
        ...managed(1, Chat, [P.G7]),
        ...managed(2, Rag, [P.G7]),
      ],
    });
    sim.addArrivals(steadyCoding(400, 2));
    sim.scheduleTriggers(3);
    sim.run();
    const [g4, g3] = sim.gpuEngines(0);
    sim.decide({ kind: 'merge', gpu: 0, sources: [0, 1], targets: [0], targetStateId: 1 });
    expect(g4!.status).toBe(EngineStatus.Draining);
    expect(g3!.status).toBe(EngineStatus.Draining);
    const drainEnd = Math.max(g4!.clockS, g3!.clockS);
    sim.run();
    expect(sim.gpuState(0)).toBe(1);
    const merged = sim.gpuEngines(0)[0]!;
    expect(merged.profile.name).toBe('7g.180gb');
    expect(merged.owner).toBe(Coding);
    // In-flight requests finished on the old engines; the merged engine booted 68.5 s after the last drain.
    expect(g4!.runningCount + g4!.waiting.length + g3!.runningCount + g3!.waiting.length).toBe(0);
    expect(merged.clockS).toBeGreaterThanOrEqual(drainEnd + 68.5 - 1e-9);
    expect(sim.agents[Coding]!.engines).toContain(merged);
    expect(sim.agents[Coding]!.engines).not.toContain(g4);
  });

  it('transfers a busy 4G: drains on the old model, reboots with the receiver’s config, bookkeeping per check 10', () => {
    const { sim } = makeSim({
      cluster: { agents: AGENTS3, gpuModels: GPUS3, sigmaZero: true },
      layout: [
        ...permanentA100(3, [Chat, Coding, Rag]),
        ...managed(0, Chat, [P.G7]),
        ...managed(1, Coding, [P.G4, P.G3]),
        ...managed(2, Rag, [P.G7]),
      ],
    });
    sim.addArrivals(steadyCoding(2000, 0.5));
    sim.scheduleTriggers(14);
    sim.run();
    const engine = sim.gpuEngines(1)[0]!;
    expect(engine.hasWork).toBe(true);
    const action = {
      kind: 'transfer',
      gpu: 1,
      sources: [0],
      targets: [0],
      targetStateId: 2,
      receiver: Rag,
    } as const;
    const expectedCost = sim.predictActionCostS(action);
    expect(expectedCost).toBeGreaterThan(62.1);
    sim.decide(action);
    expect(sim.metrics.budgetS).toBeCloseTo(300 - expectedCost, 9);
    expect(sim.metrics.lastActionDowntimeS).toBeCloseTo(expectedCost, 9);
    const oldModel = engine.model;
    sim.run(); // t = 240
    const m = sim.metrics;
    expect(m.stepsSinceAction(Coding, 2)).toBe(0);
    expect(m.stepsSinceGive(Coding, Rag)).toBe(0);
    expect(Math.min(m.stepsSinceGive(Coding, Chat), 10)).toBe(10);
    expect(m.stepsSinceAction(Rag, 3)).toBe(0);
    expect(m.amounts[Coding * 4 + 2]).toBe(4);
    expect(m.amounts[Rag * 4 + 3]).toBe(4);
    let guard = 0;
    while (sim.metrics.reconfigFlag && guard++ < 10) {
      sim.decide(null);
      sim.run();
    }
    expect(engine.owner).toBe(Rag);
    expect(engine.model).not.toBe(oldModel);
    expect(engine.kvCapacityTokens).toBe(61166);
    expect(sim.agents[Rag]!.engines).toContain(engine);
    expect(sim.agents[Coding]!.engines).not.toContain(engine);
    const ep = sim.reconfigEpisodes().find((e) => e.agent === Rag)!;
    expect(ep.isReceiver).toBe(true);
    expect(ep.tTriggerS).toBe(120);
    expect(ep.tBootDoneS! - ep.tDrainDoneS!).toBeCloseTo(62.1, 9);
    expect(ep.tDrainDoneS!).toBeGreaterThan(120);
  });
});

describe('budget refresh (spec §2.9, §8.5)', () => {
  it('refills the full budget only at the decision 1920 s after the last action', () => {
    const { sim } = makeSim({
      cluster: { agents: [CODING], gpuModels: ['B200', 'A100_40GB'], sigmaZero: true },
      layout: [...permanentA100(1, [0]), ...managed(0, 0, [P.G7])],
    });
    sim.addArrivals(steadyCoding(4000, 10));
    sim.scheduleTriggers(30);
    sim.run();
    sim.decide({ kind: 'split', gpu: 0, sources: [0], targets: [0, 1], targetStateId: 2 });
    const after = sim.metrics.budgetS;
    expect(after).toBeLessThan(300 - 62.5 + 1e-9);
    const budgetAt = new Map<number, number>();
    while (sim.run()) {
      budgetAt.set(sim.nowS, sim.metrics.budgetS);
      if (sim.nowS === 600) {
        // A second action restarts the timer: merge back to one 7G.
        sim.decide({ kind: 'merge', gpu: 0, sources: [0, 1], targets: [0], targetStateId: 1 });
      } else {
        sim.decide(null);
      }
    }
    const afterSecond = budgetAt.get(720)!;
    expect(budgetAt.get(600)).toBe(after);
    expect(afterSecond).toBeLessThan(after - 68.5 + 1e-9);
    // The refresh from the first action was cancelled; the second one ties with the trigger at 2400 and sorts after it.
    expect(budgetAt.get(1920)).toBe(afterSecond);
    expect(budgetAt.get(2040)).toBe(afterSecond);
    expect(budgetAt.get(2400)).toBe(afterSecond);
    expect(budgetAt.get(2520)).toBe(300);
  });
});

describe('interval integrals and queue trace (spec §2.10, check 11)', () => {
  it('lags one event and misses requests that start and finish inside one step', () => {
    const { sim } = makeSim({
      cluster: { agents: [CODING], gpuModels: ['B200'], managedCount: 1, sigmaZero: true },
      layout: managed(0, 0, [P.G7]),
    });
    const [, second] = sim.addArrivals([
      { agent: 0, arrivalTimeS: 10, itemIndex: 0 },
      { agent: 0, arrivalTimeS: 12, itemIndex: 0 },
      { agent: 0, arrivalTimeS: 1000, itemIndex: 0 },
    ]);
    sim.scheduleTriggers(2);
    expect(sim.run()).toBe(true);
    expect(sim.nowS).toBe(120);
    expect(sim.metrics.runningIntegral[0]).toBeCloseTo(5.2102483, 6);
    expect(sim.metrics.queueIntegral[0]).toBeCloseTo(3.3540481, 6);
    expect(sim.metrics.avgRunning(0, 0) / 100).toBeCloseTo(0.000434187, 9);
    expect(second!.startTimeS).toBeCloseTo(12.016388, 6);
    expect(second!.firstTokenTimeS).toBeCloseTo(12.2428477, 6);
    expect(second!.finishTimeS).toBeCloseTo(17.2102483, 6);
    const trace = sim.queueTrace(0);
    expect(trace.map(([t]) => t)).toEqual([10, 12, expect.closeTo(15.3704, 4), expect.closeTo(17.2102, 4)]);
    expect(trace.map(([, w]) => w)).toEqual([0, 0, 0, 0]);
    // The interval list holds both requests; the arrival rate over the last 120 s is 2/120.
    expect(sim.metrics.intervalRequests[0]!.length).toBe(2);
    expect(sim.metrics.arrivalRate(0, 120)).toBeCloseTo(2 / 120, 12);
    sim.decide(null);
    expect(sim.metrics.arrivalRateHistory[0]).toBeCloseTo(2 / 120, 12);
    expect(sim.metrics.intervalRequests[0]!.length).toBe(0);
  });
});
