/**
 * Event handlers read as "state + event → successors": each test builds a state, calls one handler and checks
 * the state it leaves and the events it returns — no queue, no loop.
 */
import { describe, expect, it } from 'vitest';
import { handleEngineBootComplete } from '../../../core/sim/events/engine-boot-complete.js';
import { handleEngineShutdownComplete } from '../../../core/sim/events/engine-shutdown-complete.js';
import { handleEngineStepComplete } from '../../../core/sim/events/engine-step-complete.js';
import { handleRequestArrival } from '../../../core/sim/events/request-arrival.js';
import { handleResourceManagerTrigger } from '../../../core/sim/events/resource-manager-trigger.js';
import {
  EngineStatus,
  EventKind,
  LogicalProfile as P,
  RequestState,
  SimRequest,
} from '../../../core/sim/index.js';
import type { BootEvent, ShutdownEvent } from '../../../core/sim/reconfig-plan.js';
import { Successors } from '../../../core/sim/successors.js';
import { PARAMS } from '../../fixtures/sim/cluster.js';
import { CODING, makeState, managed, permanentA100, RAG } from '../../fixtures/sim/scenarios.js';

const [Coding, Rag] = [0, 1];
const coding7g = PARAMS.agents[CODING]!['B200']!.profiles;
const AP = coding7g['7g.180gb']!.prefill.alpha;
const BP = coding7g['7g.180gb']!.prefill.beta;
const AT = coding7g['7g.180gb']!.tpot.alpha;
const BT = coding7g['7g.180gb']!.tpot.beta;

/** Coding owns GPU 0 (one 7G), RAG owns GPU 1 (one 7G), both with their permanent 2G on the A100; σ = 0. */
function twoAgents() {
  return makeState({
    cluster: { agents: [CODING, RAG], gpuModels: ['B200', 'B200', 'A100_40GB'], sigmaZero: true },
    layout: [...permanentA100(2, [Coding, Rag]), ...managed(0, Coding, [P.G7]), ...managed(1, Rag, [P.G7])],
  }).state;
}

/** A request already dispatched (P = 1000, C = 200) waiting on `engine`. */
function waitingOn(engine: { waiting: { push(r: SimRequest): void } }, id: number, arrivalS: number) {
  const r = new SimRequest(id, Coding, 0, arrivalS);
  r.promptTokens = 1000;
  r.completionTokens = 200;
  engine.waiting.push(r);
  return r;
}

describe('ENGINE_STEP_COMPLETE', () => {
  it('runs the engine to its next completion and returns its next step at the engine clock', () => {
    const state = twoAgents();
    const engine = state.gpuEngines(0)[0]!;
    const r = waitingOn(engine, 0, 0);
    state.triggerTimes.push(120);
    const out = new Successors();
    handleEngineStepComplete(state, engine, out);
    // One prefill iteration, then 200 decode iterations of one request; it finishes inside the step.
    expect(r.state).toBe(RequestState.Completed);
    expect(r.finishTimeS).toBeCloseTo(AP + 1000 * BP + 200 * (AT + BT), 9);
    expect(out.toArray()).toEqual([
      { timeS: engine.clockS, kind: EventKind.EngineStepComplete, payload: engine },
    ]);
    expect(state.agents[Coding]!.completed.toArray()).toEqual([r]);
  });

  it('stops at the owner’s next stop and returns nothing for an engine replaced by a split or merge', () => {
    const state = twoAgents();
    const engine = state.gpuEngines(0)[0]!;
    const r = waitingOn(engine, 0, 0);
    state.stopTimes[Coding]!.push(0.5); // the owner's next arrival
    const out = new Successors();
    handleEngineStepComplete(state, engine, out);
    expect(engine.clockS).toBeGreaterThanOrEqual(0.5);
    expect(r.state).toBe(RequestState.Decoding);
    expect(out.length).toBe(1);
    expect(out.timeS(0)).toBe(engine.clockS);

    out.clear();
    engine.alive = false;
    handleEngineStepComplete(state, engine, out);
    expect(out.length).toBe(0);
  });
});

describe('REQUEST_ARRIVAL', () => {
  it('dispatches a Coding request to the idle 7G and returns that engine’s step', () => {
    const state = twoAgents();
    state.triggerTimes.push(120);
    state.nowS = 10;
    const r = new SimRequest(0, Coding, 0, 10);
    const out = new Successors();
    handleRequestArrival(state, r, out);
    expect(state.metrics.intervalRequests[Coding]).toEqual([r]);
    expect(r.servingEngine).toBe(state.gpuEngines(0)[0]);
    expect(r.startTimeS).toBe(10);
    expect(out.toArray()).toEqual([
      { timeS: r.finishTimeS, kind: EventKind.EngineStepComplete, payload: state.gpuEngines(0)[0] },
    ]);
  });

  it('only registers a RAG request: it is dispatched when its search completes', () => {
    const state = twoAgents();
    const r = new SimRequest(0, Rag, 0, 10);
    const out = new Successors();
    handleRequestArrival(state, r, out);
    expect(state.metrics.intervalRequests[Rag]).toEqual([r]);
    expect(r.servingEngine).toBeNull();
    expect(out.length).toBe(0);
  });
});

describe('ENGINE_SHUTDOWN_COMPLETE and ENGINE_BOOT_COMPLETE', () => {
  it('replaces a drained 7G by the split’s 4G and 3G and returns their boots at now + restart time', () => {
    const state = twoAgents();
    const source = state.gpuEngines(0)[0]!;
    source.status = EngineStatus.Draining;
    state.nowS = 120;
    const ev: ShutdownEvent = {
      engine: source,
      plan: { purpose: 'split', gpu: 0, owner: Coding, targets: [0, 1], targetStateId: 2 },
    };
    const out = new Successors();
    handleEngineShutdownComplete(state, ev, out);
    const [g4, g3] = state.gpuEngines(0);
    expect([g4!.profile.name, g3!.profile.name]).toEqual(['4g.90gb', '3g.90gb']);
    expect(source.alive).toBe(false);
    expect(state.agents[Coding]!.engines).toEqual(expect.arrayContaining([g4, g3]));
    expect(out.toArray()).toEqual([
      {
        timeS: 120 + coding7g['4g.90gb']!.restartTimeS,
        kind: EventKind.EngineBootComplete,
        payload: { engine: g4, purpose: 'split', siblings: [g4, g3] },
      },
      {
        timeS: 120 + coding7g['3g.90gb']!.restartTimeS,
        kind: EventKind.EngineBootComplete,
        payload: { engine: g3, purpose: 'split', siblings: [g4, g3] },
      },
    ]);

    // Boots schedule nothing; the flag clears only when the last sibling of that owner is up.
    state.metrics.reconfigFlag = true;
    state.nowS = out.timeS(0);
    handleEngineBootComplete(state, out.payload(0) as BootEvent);
    expect(g4!.status).toBe(EngineStatus.Active);
    expect(state.metrics.reconfigFlag).toBe(true);
    state.nowS = out.timeS(1);
    handleEngineBootComplete(state, out.payload(1) as BootEvent);
    expect(state.metrics.reconfigFlag).toBe(false);
  });
});

describe('RESOURCE_MANAGER_TRIGGER', () => {
  it('returns the budget refresh, then the shutdown of the idle source of a transfer', () => {
    const state = twoAgents();
    state.nowS = 120;
    const source = state.gpuEngines(0)[0]!;
    const out = new Successors();
    handleResourceManagerTrigger(
      state,
      { kind: 'transfer', gpu: 0, sources: [0], targets: [0], targetStateId: 1, receiver: Rag },
      out,
    );
    expect(state.metrics.reconfigFlag).toBe(true);
    expect(state.metrics.budgetS).toBeCloseTo(
      300 - PARAMS.agents[RAG]!['B200']!.profiles['7g.180gb']!.restartTimeS,
      9,
    );
    expect(out.toArray()).toEqual([
      { timeS: 120 + 1800, kind: EventKind.RefreshActionBudget, payload: null },
      {
        timeS: 120,
        kind: EventKind.EngineShutdownComplete,
        payload: { engine: source, plan: { purpose: 'reallocate', receiver: Rag } },
      },
    ]);
    expect(source.status).toBe(EngineStatus.Draining);
  });

  it('on NO_ACTION returns only the steps of engines that wait with nothing running', () => {
    const state = twoAgents();
    state.nowS = 120;
    state.triggerTimes.push(240);
    const engine = state.gpuEngines(0)[0]!;
    const r = waitingOn(engine, 0, 100);
    const out = new Successors();
    handleResourceManagerTrigger(state, null, out);
    expect(r.startTimeS).toBe(120);
    expect(out.toArray()).toEqual([
      { timeS: engine.clockS, kind: EventKind.EngineStepComplete, payload: engine },
    ]);
    expect(state.metrics.budgetS).toBe(300);
  });
});
