/**
 * Serving: agent-level routing of a request to one of its ACTIVE engines, and engine steps with the event each
 * step schedules (its next step, or its shutdown once a draining engine is empty). Each function changes the
 * state and adds what it schedules to the successors; none touches the queue.
 */
import { MigflowError } from '../errors.js';
import { EngineStatus, EventKind } from './constants.js';
import { StepOutcome, stepEngine, takeShutdownPlan } from './engine-step.js';
import type { SimAgent } from './entities/agent.js';
import type { SimEngine } from './entities/engine.js';
import type { SimRequest } from './entities/request.js';
import type { SimState } from './state.js';
import type { Successors } from './successors.js';

/**
 * Routes a request to the agent's ACTIVE engine with the shortest waiting queue (the larger on ties, then the
 * earlier in the agent's list), sets its token lengths from that engine's model, and steps the engine when it
 * was idle with work — without checking for a pending step (the reference's double step chains).
 */
export function dispatch(state: SimState, agent: SimAgent, r: SimRequest, out: Successors): void {
  const kv = state.kv;
  let best: SimEngine | undefined;
  let active = false;
  for (const e of agent.engines) {
    if (e.status !== EngineStatus.Active) continue;
    active = true;
    // The KV-capacity rule (off by default): only engines that hold the request compete.
    if (kv !== null && !kv.holds(e, r)) continue;
    // Key (has waiting, waiting length, −size), earliest in the agent's list on ties.
    if (best === undefined || e.waiting.length < best.waiting.length) best = e;
    else if (e.waiting.length === best.waiting.length && e.size > best.size) best = e;
  }
  if (best === undefined && kv !== null && active) {
    kv.park(agent.name, r);
    return;
  }
  if (best === undefined) {
    throw new MigflowError(
      `${agent.name} has no ACTIVE engine at t=${state.nowS}: its permanent engine is missing`,
    );
  }
  const prompt = best.tokens.promptTokens[r.itemIndex];
  const completion = best.tokens.completionTokens[r.itemIndex];
  if (prompt === undefined || completion === undefined) {
    throw new MigflowError(
      `${agent.name}: item ${r.itemIndex} has no token lengths for model ${best.model}: the generated JSONLs of one agent must cover the same ids`,
    );
  }
  r.promptTokens = prompt;
  r.completionTokens = completion;
  r.servingEngine = best;
  best.waiting.push(r);
  state.metrics.markEngineDirty(best);
  if (best.clockS < state.nowS) best.clockS = state.nowS;
  if (best.runningCount === 0 && best.waiting.length > 0)
    step(state, best, state.nextStopS(agent.index), out);
}

/** Runs the engine's iterations up to `nextStopS` and adds the event the step schedules, if any. */
export function step(state: SimState, engine: SimEngine, nextStopS: number, out: Successors): void {
  const waitingBefore = engine.waiting.length;
  const runningBefore = engine.runningCount;
  const outcome = stepEngine(engine, state.nowS, nextStopS, state.rng, state.onFinished);
  if (engine.waiting.length !== waitingBefore || engine.runningCount !== runningBefore) {
    state.metrics.markEngineDirty(engine);
  }
  if (outcome === StepOutcome.StepComplete) {
    out.add(engine.clockS, EventKind.EngineStepComplete, engine);
  } else if (outcome === StepOutcome.ShutdownComplete) {
    out.add(engine.clockS, EventKind.EngineShutdownComplete, { engine, plan: takeShutdownPlan(engine) });
  }
}

/** After a decision: steps ACTIVE (up to the owner's next stop) and DRAINING engines that wait with nothing running. */
export function kickEngines(state: SimState, out: Successors): void {
  for (const e of state.engines) {
    if (e.status === EngineStatus.Booting) continue;
    if (e.runningCount !== 0 || e.waiting.length === 0) continue;
    step(
      state,
      e,
      e.status === EngineStatus.Active ? state.nextStopS(e.owner) : Number.POSITIVE_INFINITY,
      out,
    );
  }
}

/** The queue ran dry while engines hold requests: step each of them without a stop. */
export function stepIdleEngines(state: SimState, out: Successors): void {
  for (const e of state.engines) if (e.hasWork) step(state, e, Number.POSITIVE_INFINITY, out);
}
