/**
 * One decision window of a live deployment — the unit a DeployWorkflow activity runs. It (1) reconciles MIG and
 * engines with the desired layout, which is how a pending split/merge/transfer is carried out and how a new worker
 * finishes what a dead one left; (2) meanwhile publishes the window's requests and scrapes every engine at 1 Hz;
 * (3) at the end rolls the interval over, builds the observation the simulator would (with the clocks a checkpoint
 * trained with them reads, continued from the previous decision: deploy-observation.ts), masks, asks the policy and
 * records its action as pending for the next window. A failed reconfiguration is reported, the previous layout is
 * reconciled back, and the window goes on — the loop never sticks (the reference's flag stays set forever).
 */
import { setMaxListeners } from 'node:events';
import { join } from 'node:path';
import type { DeployWindowSummary } from '../../contracts/index.js';
import { actionMask, resolveAction } from '../control/index.js';
import { actionName, agentsInEnumOrder, NO_ACTION } from '../mig/index.js';
import { sleep, writeFileAtomic } from '../util/index.js';
import type { DashboardHub } from './dashboard.js';
import { DeployPowerMeter, POWER_SAMPLE_S, type WindowEnergy } from './deploy-energy.js';
import { deployObservation } from './deploy-observation.js';
import {
  type ActionRecord,
  actionDetails,
  applyAction,
  type DeployState,
  recordActionHistory,
} from './deploy-state.js';
import { writePhaseRecord } from './energy-ledger.js';
import { LiveCluster, type LiveSlot } from './live-cluster.js';
import { windowReward } from './live-reward.js';
import { policyView } from './policy-view.js';
import { type PlannedRequest, publishWindow, type RequestRecord } from './publisher.js';
import { type PermanentGpu, reconcileDeployment } from './reconcile.js';
import type { DeploySession } from './session.js';
import { isHealthy, scrapeVllmMetrics } from './vllm-metrics.js';

/** A window runs on the session's configs, policy and controllers. */
export interface WindowOptions
  extends Pick<
    DeploySession,
    'deploy' | 'simulation' | 'training' | 'bench' | 'policy' | 'mig' | 'engines' | 'power'
  > {
  state: DeployState;
  permanent: readonly PermanentGpu[];
  requests: readonly PlannedRequest[];
  prompts: ReadonlyMap<string, readonly string[]>;
  decisionIntervalS: number;
  /** Where `windows/w<k>.json` goes. */
  outDir: string;
  /** Attempt number of this window's activity (> 1: a previous worker died or failed mid-window). */
  attempt: number;
  signal: AbortSignal;
  heartbeat: (details: { window: number; phase: string }) => void;
  hub?: DashboardHub;
  /** Seconds a request may wait for its agent to have a ready engine. */
  routeWaitS?: number;
}

export interface WindowFile {
  window: number;
  attempt: number;
  startS: number;
  durationS: number;
  requests: RequestRecord[];
  queueSeries: Record<string, number[]>;
  tpotSeries: Record<string, number[]>;
  existenceS: Record<string, number>;
  observedS: number;
  slots: { key: string; agent: string; profile: string; ready: boolean; gpu: number; start: number }[];
  events: { atS: number; text: string }[];
  /** power.draw of the managed boards while the window ran (deploy-energy.ts). */
  energy?: WindowEnergy;
}

export async function runDeployWindow(
  o: WindowOptions,
): Promise<{ state: DeployState; summary: DeployWindowSummary }> {
  const state: DeployState = structuredClone(o.state);
  const k = state.window;
  const T = o.decisionIntervalS;
  const windowStartS = k * T;
  const startMs = Date.now();
  const agents = o.deploy.agents;
  // Timestamps follow the wall clock of the run; the request schedule follows the nominal windows.
  const runStartS = state.elapsedS ?? windowStartS;
  const live = new LiveCluster(state, agents, startMs, runStartS);
  o.hub?.attach(live, o.deploy);
  const faultsBefore = state.faults.length;
  let phase = 'reconciling';
  const beat = setInterval(() => o.heartbeat({ window: k, phase }), 1_000);
  const stopAll = new AbortController();
  // Stopped or cancelled: everything below winds down at its next step; the event log and the heartbeat say so.
  const onAbort = () => {
    live.log(`stop received while ${phase}: finishing the current step only`);
    phase = `stopping (was ${phase})`;
    stopAll.abort(o.signal.reason);
  };
  o.signal.addEventListener('abort', onAbort, { once: true });
  // A stop that arrived before the window began (between activities) ends it at once: no listener would fire.
  if (o.signal.aborted) onAbort();

  // Engines that died mid-window: restart them with the configured delays, without blocking anything else.
  const restarts = new Set<Promise<void>>();
  const onDeadEngine = (slot: LiveSlot) => {
    if (slot.restarting) return;
    slot.restarting = true;
    slot.ready = false;
    slot.metrics = undefined;
    const p = restartEngine(o, live, slot, stopAll.signal).finally(() => restarts.delete(p));
    restarts.add(p);
  };

  // 1 Hz scrapes of every slot's /metrics.
  const scraper = (async () => {
    while (!stopAll.signal.aborted) {
      const tick = Date.now();
      await Promise.all(
        live.slots.map(async (slot) => {
          if (!slot.container && !slot.ready) return;
          try {
            slot.metrics = await scrapeVllmMetrics(slot.baseUrl, 1_000);
          } catch {
            slot.metrics = undefined;
            if (slot.ready && !slot.draining && !slot.restarting && !(await isHealthy(slot.baseUrl)))
              onDeadEngine(slot);
          }
        }),
      );
      live.recordSample();
      o.hub?.tick();
      await sleep(1_000 - (Date.now() - tick), stopAll.signal);
    }
  })();

  // power.draw of every managed board every POWER_SAMPLE_S, booked to the agents whose engines have work (or, with
  // none, that hold the slices); the first reading books the time since the previous window's last one.
  const meter = new DeployPowerMeter(o.power.gpus, o.power.read, state.powerReadAtMs);
  const powerLoop = (async () => {
    while (!stopAll.signal.aborted) {
      const tick = Date.now();
      await meter.sample(live.slots, tick);
      o.hub?.energy(meter.summary());
      await sleep(POWER_SAMPLE_S * 1000 - (Date.now() - tick), stopAll.signal);
    }
  })();

  // Hardware and containers brought to the desired layout (which a failed action reverts).
  const reconcile = (progress?: (phase: string) => void) =>
    reconcileDeployment({
      desired: state.desired,
      permanent: o.permanent,
      mig: o.mig,
      engines: o.engines,
      simulation: o.simulation,
      live,
      signal: stopAll.signal,
      ...(progress ? { progress } : {}),
    });
  // Reconfiguration (the pending action, or recovery) runs while requests flow to the engines that stay.
  const reconfigure = (async () => {
    const pending = state.pendingIndex !== undefined ? state.actions[state.pendingIndex] : undefined;
    live.phase = pending ? 'reconfiguring' : 'reconciling';
    live.phaseDetail = pending?.details ?? '';
    const t0 = Date.now();
    try {
      await reconcile((p) => {
        phase = pending ? `reconfiguring: ${p}` : p;
      });
      if (pending) {
        pending.status = 'done';
        pending.tookS = (Date.now() - t0) / 1000;
        if (o.attempt > 1) pending.reconciled = true;
        live.log(`${pending.kind} done in ${pending.tookS.toFixed(1)} s: ${pending.details}`);
      }
    } catch (err) {
      if (stopAll.signal.aborted) throw err;
      const message = err instanceof Error ? err.message : String(err);
      if (pending && state.previous) {
        pending.status = 'failed';
        pending.error = message;
        live.fault({
          kind: 'reconfiguration',
          message: `${pending.kind} on GPU ${pending.gpu} failed: ${message}`,
          handling: 'reverted to the previous layout and reconciled',
        });
        state.desired = state.previous;
      } else {
        live.fault({ kind: 'reconcile', message, handling: 'retrying once; the next window tries again' });
      }
      try {
        await reconcile();
      } catch (err2) {
        if (stopAll.signal.aborted) throw err2;
        live.fault({
          kind: 'reconcile',
          message: err2 instanceof Error ? err2.message : String(err2),
          handling: 'serving with the engines that are up; the next window reconciles again',
        });
      }
    } finally {
      state.pendingIndex = undefined;
      state.previous = undefined;
      // A stopped window does not serve on: the dashboard and heartbeat keep saying where it stopped.
      if (!stopAll.signal.aborted) {
        live.phase = 'serving';
        live.phaseDetail = '';
        phase = 'serving';
      }
    }
  })();

  // Requests of this window; those still running a grace period after the window are cancelled.
  const grace = new AbortController();
  const publishSignal = AbortSignal.any([stopAll.signal, grace.signal]);
  // Every in-flight request listens on these; hundreds at once are expected.
  setMaxListeners(0, publishSignal, stopAll.signal, grace.signal);
  const publishing = publishWindow({
    live,
    requests: o.requests,
    prompts: o.prompts as ReadonlyMap<never, readonly string[]>,
    windowStartS,
    windowStartMs: startMs,
    requestTimeoutMs: o.deploy.vllm.requestTimeoutS * 1000,
    routeWaitMs: (o.routeWaitS ?? Math.min(T, o.deploy.vllm.requestTimeoutS)) * 1000,
    signal: publishSignal,
    onDeadEngine,
    isHealthy: (u) => isHealthy(u, 2_000),
  });

  // Window 0 begins with the deployment's set-up (MIG layout applied, engines booted): metered as its own phase up
  // to the reading taken when its reconciliation ends, from which the window's own metering goes on.
  let metering: 'set-up' | 'window' = k === 0 ? 'set-up' : 'window';
  try {
    await reconfigure;
    if (metering === 'set-up') {
      await meter.sample(live.slots);
      const setup = meter.closePhase();
      writePhaseRecord(o.outDir, { phase: 'set-up', attempt: o.attempt, complete: true, energy: setup });
      o.hub?.energyPhaseDone(setup);
      metering = 'window';
    }
    await sleep(startMs + T * 1000 - Date.now(), stopAll.signal);
    phase = 'finishing requests';
    live.phase = 'finishing';
    const graceTimer = setTimeout(() => grace.abort(), o.deploy.vllm.requestTimeoutS * 1000);
    const records = await publishing;
    clearTimeout(graceTimer);
    await Promise.all([...restarts]);
    if (o.signal.aborted) throw o.signal.reason ?? new Error('cancelled');
    const durationS = (Date.now() - startMs) / 1000;
    stopAll.abort();
    await scraper;
    await powerLoop;
    // One last reading books the window up to its end; the next window's first reading goes on from here.
    await meter.sample(live.slots);
    o.hub?.energy(meter.summary());
    state.powerReadAtMs = meter.lastReadingMs;

    // Decision at the end of the window (none after the last one: nothing would carry it out).
    let decided: ActionRecord | undefined;
    if (!o.policy.isStatic) {
      // Arrivals follow the nominal schedule of the window, so its nominal length is the rate's true base
      // (the wall-clock length also counts reconfiguration stalls, which would understate the load).
      live.rollOver(T);
      if (runStartS + durationS - state.budgetRefilledAtS >= o.training.refreshPeriodS) {
        state.budgetS = o.training.budgetS;
        state.budgetRefilledAtS = runStartS + durationS;
      }
      if (k + 1 < state.windows && !state.stopRequested) decided = decide(o, state, live, records);
    }
    const file: WindowFile = {
      window: k,
      attempt: o.attempt,
      startS: runStartS,
      durationS,
      requests: records,
      queueSeries: Object.fromEntries(live.queueSeries),
      tpotSeries: Object.fromEntries(live.tpotSeries),
      existenceS: live.existenceS,
      observedS: live.observedS,
      slots: live.slots.map((s) => ({
        key: s.plan.key,
        agent: s.plan.agent,
        profile: s.plan.hardware,
        ready: s.ready,
        gpu: s.plan.gpu,
        start: s.plan.start,
      })),
      events: live.events,
      energy: meter.summary(),
    };
    writeFileAtomic(join(o.outDir, 'windows', `w${String(k).padStart(4, '0')}.json`), JSON.stringify(file));
    state.window = k + 1;
    state.elapsedS = runStartS + durationS;
    const count = (s: string) => records.filter((r) => r.status === s).length;
    const lastAction = state.actions.at(decided ? -2 : -1);
    return {
      state,
      summary: {
        window: k,
        completed: count('completed'),
        failed: count('failed'),
        cancelled: count('cancelled'),
        ...(decided ? { action: decided.details } : {}),
        ...(lastAction && lastAction.decision === k - 1 && lastAction.status !== 'pending'
          ? { reconfiguration: lastAction.status }
          : {}),
        faults: state.faults.length - faultsBefore,
      },
    };
  } catch (err) {
    // Cut short (stopped, cancelled, failed): what was metered goes on record with the phase it stopped in, the
    // last reading booking the time up to now (a retry meters again from the same start and supersedes it).
    stopAll.abort();
    await powerLoop;
    await meter.sample(live.slots);
    const reason = err instanceof Error ? err.message : String(err);
    try {
      writePhaseRecord(o.outDir, {
        phase: metering,
        window: k,
        attempt: o.attempt,
        complete: false,
        endedBy: o.signal.aborted ? `cancelled: ${reason}` : `failed: ${reason}`,
        energy: meter.summary(),
      });
    } catch (writeErr) {
      // The window's own error is the one to report; the report then says this window has no readings on record.
      live.log(`energy of the cut-short window not recorded: ${String(writeErr)}`);
    }
    throw err;
  } finally {
    clearInterval(beat);
    stopAll.abort();
    grace.abort();
    o.signal.removeEventListener('abort', onAbort);
    await Promise.allSettled([scraper, powerLoop, publishing, reconfigure]);
  }
}

/**
 * Reward of the last decision to an online learner, then observation → mask → policy → concrete action; consumes
 * budget and records the action as pending.
 */
function decide(
  o: WindowOptions,
  state: DeployState,
  live: LiveCluster,
  records: readonly RequestRecord[],
): ActionRecord | undefined {
  const agents = agentsInEnumOrder(o.deploy.agents.length);
  // This window followed the decision taken at the end of the previous one: its requests are that decision's reward.
  if (o.policy.learn && state.window > 0) {
    const reward = windowReward({
      records,
      desired: state.desired,
      permanent: o.permanent,
      agents,
      tookAction: state.actions.some((a) => a.decision === state.window - 1),
      windowS: o.decisionIntervalS,
      training: o.training,
    });
    live.log(`decision ${state.window - 1}: reward ${reward.reward.toFixed(3)}`);
    o.policy.learn(reward.reward);
  }
  const view = policyView({
    simulation: o.simulation,
    live,
    state,
    agents,
    divisor: o.deploy.obsArrivalRateDivisor,
    actionIntervalS: o.decisionIntervalS,
    historyLength: o.training.arrivalRateHistoryLength,
  });
  const { observation: obs, idleClocks } = deployObservation(
    {
      training: o.training,
      agents,
      ...(o.policy.timeFeatures ? { timeFeatures: o.policy.timeFeatures } : {}),
      log: (text) => live.log(text),
    },
    state,
    view,
  );
  const mask = actionMask(view, agents.length, o.simulation.cluster, {
    cooldownSteps: o.training.actionCooldownSteps,
    ignoreCooldowns: !o.policy.enforceCooldowns,
  });
  const bench = {
    ...o.bench,
    heuristic: { ...o.bench.heuristic, serviceRatesPerS: o.deploy.serviceRatesPerS },
  };
  const index =
    o.policy.decide?.(obs, mask, {
      cluster: view,
      simulation: o.simulation,
      training: o.training,
      bench,
      step: state.window,
      seed: o.deploy.seed,
      ...(idleClocks ? { idleClocks } : {}),
    }) ?? NO_ACTION;
  live.log(`decision ${state.window}: ${actionName(agents.length, index)}`);
  if (index === NO_ACTION || mask[index] !== 1) return undefined;
  const concrete = resolveAction(view, agents.length, index);
  if (!concrete) return undefined;
  const d = state.desired.find((g) => g.position === concrete.gpu);
  if (!d) return undefined;
  const costS = view.predictActionCostS(concrete);
  const receiver = concrete.receiver !== undefined ? agents[concrete.receiver] : undefined;
  const from = d.stateId;
  const to = concrete.targetStateId as typeof from;
  const rec: ActionRecord = {
    decision: state.window,
    atS: Math.round(live.runTimeS() * 10) / 10,
    kind: concrete.kind,
    name: actionName(agents.length, index),
    gpu: d.gpu,
    fromState: from,
    toState: to,
    sources: [...concrete.sources],
    targets: [...concrete.targets],
    ...(receiver ? { receiver } : {}),
    agent: d.owners[concrete.sources[0]!]!,
    costS,
    details: actionDetails(d.gpu, from, to, concrete.sources, concrete.targets, receiver),
    status: 'pending',
  };
  state.budgetS = Math.max(0, state.budgetS - costS);
  state.lastActionCostS = costS;
  recordActionHistory(state, rec);
  state.previous = state.desired;
  state.desired = applyAction(state.desired, rec);
  state.actions.push(rec);
  state.pendingIndex = state.actions.length - 1;
  return rec;
}

async function restartEngine(o: WindowOptions, live: LiveCluster, slot: LiveSlot, signal: AbortSignal) {
  const delays = o.deploy.vllm.restartDelaysS;
  const model =
    o.state.desired.find((d) => d.gpu === slot.plan.gpu)?.model ??
    o.permanent.find((g) => g.index === slot.plan.gpu)?.model ??
    'A100_40GB';
  let lastError = '';
  for (let i = 0; i < delays.length; i++) {
    await sleep(delays[i]! * 1000, signal);
    if (signal.aborted) break;
    try {
      await o.engines.stop(slot, false);
      await o.engines.start(slot, o.simulation, model, signal);
      slot.restarting = false;
      live.fault({
        kind: 'engine-died',
        slot: slot.plan.key,
        message: `engine on ${slot.plan.key} stopped answering`,
        handling: `restarted (attempt ${i + 1})`,
      });
      return;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
  }
  slot.restarting = false;
  slot.ready = false;
  live.fault({
    kind: 'engine-died',
    slot: slot.plan.key,
    message: `engine on ${slot.plan.key} stopped answering; restarts failed: ${lastError}`,
    handling: 'slot unavailable until the next window reconciles it',
  });
}
