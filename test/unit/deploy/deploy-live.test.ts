/**
 * The deployment's live pieces without hardware: /metrics parsing, the streamed request's measurements and
 * outcomes against a real HTTP server speaking vLLM's SSE, routing, desired-state updates, the observation the
 * policy sees, the dashboard's bind guard and policy resolution.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { loadDeploymentConfig } from '../../../core/config/deployment.js';
import { loadSimulationConfig } from '../../../core/config/simulation.js';
import { loadTrainingConfig } from '../../../core/config/training.js';
import { ObservationBuilder, observationLayout } from '../../../core/control/index.js';
import { DashboardHub, startDashboard } from '../../../core/deploy/dashboard.js';
import { deployObservation } from '../../../core/deploy/deploy-observation.js';
import { resolveDeployPolicy } from '../../../core/deploy/deploy-policy.js';
import {
  type ActionRecord,
  applyAction,
  type DeployState,
  gpuSlots,
} from '../../../core/deploy/deploy-state.js';
import { LiveCluster, type LiveSlot } from '../../../core/deploy/live-cluster.js';
import { policyView } from '../../../core/deploy/policy-view.js';
import { chooseSlot } from '../../../core/deploy/publisher.js';
import { permanentSlots, profilesOf } from '../../../core/deploy/reconcile.js';
import { parseVllmMetrics } from '../../../core/deploy/vllm-metrics.js';
import { streamChat } from '../../../core/engines/index.js';
import { ConfigError } from '../../../core/errors.js';
import { actionCount, agentsInEnumOrder } from '../../../core/mig/index.js';
import { deployStateFixture, readySlots } from '../../helpers/deploy-state.js';
import { writeLinearCheckpoint } from '../bench/checkpoint-fixture.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const s = createServer(handler);
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('vLLM /metrics', () => {
  it('reads the first labelled sample of each metric and treats missing or non-numeric values as 0', () => {
    const m = parseVllmMetrics(
      [
        '# HELP vllm:num_requests_running Number of requests running',
        'vllm:num_requests_running{engine="0",model_name="Qwen/Qwen2.5-7B-Instruct"} 2.0',
        'vllm:num_requests_waiting{engine="0",model_name="Qwen/Qwen2.5-7B-Instruct"} 1.0',
        'vllm:kv_cache_usage_perc{engine="0",model_name="Qwen/Qwen2.5-7B-Instruct"} 0.137',
        'vllm:request_time_per_output_token_seconds_sum{engine="0",model_name="Q"} 4.2',
        'vllm:request_time_per_output_token_seconds_count{engine="0",model_name="Q"} 120.0',
      ].join('\n'),
    );
    expect(m).toEqual({ running: 2, waiting: 1, kvUsage: 0.137, tpotMeanS: 4.2 / 120 });
    expect(parseVllmMetrics('vllm:num_requests_waiting 3\nvllm:kv_cache_usage_perc{a="b"} NaN')).toEqual({
      running: 0,
      waiting: 0,
      kvUsage: 0,
      tpotMeanS: 0,
    });
  });
});

describe('streamed request', () => {
  it('measures TTFT to the first SSE event, e2e to the end of the stream and TPOT from the usage chunk, with the reference body', async () => {
    let body: Record<string, unknown> = {};
    const url = await serve(async (req, res) => {
      let raw = '';
      for await (const c of req) raw += c;
      body = JSON.parse(raw);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      await sleep(300);
      res.write(`data: ${JSON.stringify({ choices: [{ delta: { role: 'assistant' } }] })}\n\n`);
      for (let i = 0; i < 5; i++) {
        await sleep(100);
        res.write(`data: ${JSON.stringify({ choices: [{ delta: { content: `t${i}` } }] })}\n\n`);
      }
      res.write(
        `data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 7, completion_tokens: 5 } })}\n\n`,
      );
      res.end('data: [DONE]\n\n');
    });
    const out = await streamChat({ baseUrl: url, model: 'served/id', prompt: 'hi', timeoutMs: 10_000 });
    expect(out.status).toBe('completed');
    expect(out.ttftS).toBeGreaterThanOrEqual(0.29);
    // The stream ends at least 0.8 s after the request (0.3 s + 5 × 0.1 s of server sleeps). Bounds are from the
    // request's start: a first event read late on a busy machine would make a bound relative to TTFT flaky.
    expect(out.e2eS).toBeGreaterThanOrEqual(0.79);
    expect(out.e2eS).toBeGreaterThan(out.ttftS);
    expect(out.completionTokens).toBe(5);
    expect(out.tpotS).toBeCloseTo((out.e2eS - out.ttftS) / 5, 9);
    expect(body).toMatchObject({
      model: 'served/id',
      max_tokens: 2048,
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'hi' }],
    });
  });

  it('ends every request in one outcome: refused connection, broken stream, timeout and cancellation', async () => {
    const refused = await streamChat({
      baseUrl: 'http://127.0.0.1:1',
      model: 'm',
      prompt: 'x',
      timeoutMs: 5_000,
    });
    expect(refused).toMatchObject({ status: 'failed', connectionError: true });
    const dropping = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"choices":[]}\n\n');
      setTimeout(() => res.destroy(), 50);
    });
    const broken = await streamChat({ baseUrl: dropping, model: 'm', prompt: 'x', timeoutMs: 5_000 });
    expect(broken.status).toBe('failed');
    expect(broken.reason).toMatch(/stream broken|without \[DONE\]/);
    const silent = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
    });
    expect(await streamChat({ baseUrl: silent, model: 'm', prompt: 'x', timeoutMs: 300 })).toMatchObject({
      status: 'failed',
      reason: 'timeout',
    });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const cancelled = await streamChat({
      baseUrl: silent,
      model: 'm',
      prompt: 'x',
      timeoutMs: 5_000,
      signal: ac.signal,
    });
    expect(cancelled.status).toBe('cancelled');
  });
});

function slot(key: string, logical: '7G' | '4G' | '2G', sizeSlices: number, waiting?: number): LiveSlot {
  return {
    plan: {
      gpu: 0,
      position: 0,
      start: 0,
      logical,
      hardware: '',
      sizeSlices,
      vramGb: 0,
      agent: 'CodingAgent',
      permanent: false,
      key,
    },
    port: 1,
    baseUrl: '',
    ready: true,
    draining: false,
    restarting: false,
    inFlight: 0,
    ...(waiting !== undefined ? { metrics: { running: 0, waiting, kvUsage: 0, tpotMeanS: 0 } } : {}),
  };
}

describe('routing', () => {
  it('prefers an empty queue, then the shorter queue, then the bigger slice; a slot without metrics counts as empty', () => {
    expect(
      chooseSlot([slot('2g', '2G', 2, 0), slot('4g', '4G', 4, 0), slot('7g', '7G', 7, 3)])?.plan.key,
    ).toBe('4g');
    expect(chooseSlot([slot('7g', '7G', 7, 3), slot('2g', '2G', 2, 1)])?.plan.key).toBe('2g');
    expect(chooseSlot([slot('7g', '7G', 7, 2), slot('2g', '2G', 2)])?.plan.key).toBe('2g');
    expect(chooseSlot([])).toBeUndefined();
  });
});

const action = (a: Partial<ActionRecord>): ActionRecord => ({
  decision: 0,
  atS: 0,
  kind: 'split',
  name: '',
  gpu: 0,
  fromState: 1,
  toState: 2,
  sources: [0],
  targets: [0, 1],
  agent: 'CodingAgent',
  costS: 0,
  details: '',
  status: 'pending',
  ...a,
});

describe('desired state', () => {
  const gpu0 = {
    gpu: 0,
    position: 0,
    model: 'A100_40GB',
    stateId: 2 as const,
    owners: ['RAGAgent', 'CodingAgent'] as const,
  };
  it('gives the new slices of a split to the source owner and keeps the other slices’ owners', () => {
    const [d] = applyAction(
      [{ ...gpu0, owners: [...gpu0.owners] }],
      action({ fromState: 2, toState: 3, sources: [1], targets: [1, 2] }),
    );
    expect(d!.stateId).toBe(3);
    expect(d!.owners).toEqual(['RAGAgent', 'CodingAgent', 'CodingAgent']);
    expect(gpuSlots(d!, profilesOf('A100_40GB')).map((s) => `${s.key}:${s.hardware}`)).toEqual([
      'gpu0-s0:4g.20gb',
      'gpu0-s4:2g.10gb',
      'gpu0-s6:1g.10gb',
    ]);
  });
  it('hands exactly one slice to the receiver on a transfer and leaves MIG alone', () => {
    const [d] = applyAction(
      [{ ...gpu0, owners: [...gpu0.owners] }],
      action({
        kind: 'transfer',
        fromState: 2,
        toState: 2,
        sources: [0],
        targets: [0],
        receiver: 'CodingAgent',
        agent: 'RAGAgent',
      }),
    );
    expect(d).toMatchObject({ stateId: 2, owners: ['CodingAgent', 'CodingAgent'] });
  });
  it('places the permanent engines on the first free slices of their profile', () => {
    const slots = permanentSlots([
      {
        index: 2,
        model: 'A100_40GB',
        stateId: 8,
        permanentEngines: [
          { agent: 'CodingAgent', mig: '2g.10gb' },
          { agent: 'RAGAgent', mig: '2g.10gb' },
        ],
      },
    ]);
    expect(slots.map((s) => `${s.key}:${s.agent}`)).toEqual(['sim2-s0:CodingAgent', 'sim2-s2:RAGAgent']);
  });
});

/** The shipped configs, two agents: what the live-observation cases run on. */
const liveConfigs = {
  deploy: loadDeploymentConfig('configs/deployment.yaml'),
  simulation: loadSimulationConfig('configs/simulation_config.yaml'),
  training: loadTrainingConfig('configs/training_config.yaml'),
  agents: agentsInEnumOrder(2),
};

/** What a policy sees of `state` in a window that began at wall time `startedAtMs`, run time `startS`. */
function liveView(state: DeployState, startedAtMs: number, startS: number) {
  const { deploy, simulation, training, agents } = liveConfigs;
  const live = new LiveCluster(state, deploy.agents, startedAtMs, startS);
  live.slots = readySlots(state, deploy);
  return policyView({
    simulation,
    live,
    state,
    agents,
    divisor: deploy.obsArrivalRateDivisor,
    actionIntervalS: 120,
    historyLength: training.arrivalRateHistoryLength,
  });
}

describe('observation on live data', () => {
  it('is the simulator’s 171-float layout: one-hot of state 3 at position 2, placeholder 0, Coding’s rate divided by its divisor', () => {
    const { training, agents } = liveConfigs;
    const state = deployStateFixture();
    state.agents.CodingAgent!.arrivalHistory[0] = 3;
    const view = liveView(state, Date.now(), 120);
    const layout = observationLayout(2, training.arrivalRateHistoryLength);
    const obs = new ObservationBuilder(layout, training, agents).build(view, new Float32Array(layout.length));
    expect(obs.length).toBe(171);
    expect(Array.from(obs.slice(layout.global.stateOneHot, layout.global.stateOneHot + 15)).indexOf(1)).toBe(
      2,
    );
    expect(obs[layout.global.placeholder]).toBe(0);
    const coding = layout.blockStarts[layout.blockAgents.indexOf('CodingAgent')]!;
    expect(obs[coding + layout.block.arrivalRate]).toBeCloseTo(
      3 / 1.5 / training.normalization.arrivalRate,
      6,
    );
  });
});

describe('observation clocks on live data', () => {
  const { training, agents } = liveConfigs;
  const CLOCKS = { idleRateReqS: 0.7, scaleS: 3600, cap: 2 };
  const policy = resolveDeployPolicy(
    writeLinearCheckpoint({
      obsSize: 175,
      actionCount: actionCount(2),
      bias: new Array(actionCount(2)).fill(0),
      timeFeatures: CLOCKS,
    }),
  );
  const plainLayout = observationLayout(2, training.arrivalRateHistoryLength);
  const at = (name: string) => plainLayout.blockAgents.indexOf(name as never);
  /** The decision at the end of window `state.window`, `elapsedS` into a window that began at run time `startS`. */
  const decide = (state: DeployState, startS: number, elapsedS: number, log?: (t: string) => void) => {
    const view = liveView(state, Date.now() - elapsedS * 1000, startS);
    const plain = new ObservationBuilder(plainLayout, training, agents).build(view, new Float32Array(171));
    const obs = deployObservation(
      { training, agents, timeFeatures: policy.timeFeatures!, ...(log ? { log } : {}) },
      state,
      view,
    ).observation;
    // The reference's 171 features are the same floats; the clocks come after them.
    expect(obs.length).toBe(175);
    expect(Array.from(obs.subarray(0, 171))).toEqual(Array.from(plain));
    return { clocks: Array.from(obs.subarray(171)), nowS: view.nowS };
  };
  /** What the workflow hands the next window: the state through JSON (a continue-as-new's payload). */
  const carry = (state: DeployState) => JSON.parse(JSON.stringify(state)) as DeployState;

  it('a clock checkpoint decides on 175 floats whose clocks continue from window to window through the carried state', () => {
    expect(policy.timeFeatures).toEqual(CLOCKS);
    let state = deployStateFixture({ window: 0 });
    // Window 0: Coding busy (3 req/s / divisor 1.5 = 2 ≥ 0.7), RAG idle.
    state.agents.CodingAgent!.arrivalHistory[0] = 3;
    const d0 = decide(state, 0, 121.5);
    // The first decision starts the clocks at 0, as an episode's first observation.
    expect(d0.clocks).toEqual([0, 0, 0, 0]);
    expect(state.clocks).toMatchObject({ window: 0, state: { idleRateReqS: 0.7 } });
    // The record is small: one time per agent, a time and a signature per GPU.
    expect(JSON.stringify(state.clocks).length).toBeLessThan(200);

    // Window 1 (after a continue-as-new): GPU 0's first slice was handed to RAG; Coding went quiet.
    state = carry(state);
    state.window = 1;
    state.desired = applyAction(
      state.desired,
      action({
        kind: 'transfer',
        fromState: 3,
        toState: 3,
        sources: [0],
        targets: [0],
        receiver: 'RAGAgent',
      }),
    );
    state.agents.CodingAgent!.arrivalHistory.unshift(0);
    state.agents.RAGAgent!.arrivalHistory.unshift(0);
    const d1 = decide(state, 121.5, 120.5);
    const since = Math.fround((d1.nowS - d0.nowS) / 3600);
    expect(since).toBeGreaterThan(0);
    const clocks = [0, 0];
    clocks[at('CodingAgent')] = since;
    clocks[at('RAGAgent')] = since;
    // Idle clocks: both since the first decision; GPU 0 changed (0), GPU 1 did not.
    expect(d1.clocks).toEqual([...clocks, 0, since]);

    // Window 2 on another worker: RAG is busy again; nothing changed on the GPUs.
    state = carry(state);
    state.window = 2;
    state.agents.RAGAgent!.arrivalHistory.unshift(5);
    state.agents.CodingAgent!.arrivalHistory.unshift(0);
    const d2 = decide(state, 242, 120);
    const idle = [0, 0];
    idle[at('CodingAgent')] = Math.fround((d2.nowS - d0.nowS) / 3600);
    idle[at('RAGAgent')] = 0;
    expect(d2.clocks).toEqual([
      ...idle,
      Math.fround((d2.nowS - d1.nowS) / 3600),
      Math.fround((d2.nowS - d0.nowS) / 3600),
    ]);
    expect(state.clocks!.window).toBe(2);

    // A gap (window 3 decided by a policy without clocks, or not at all): nothing to continue, they start afresh.
    state = carry(state);
    state.window = 4;
    const said: string[] = [];
    expect(decide(state, 500, 120, (t) => said.push(t)).clocks).toEqual([0, 0, 0, 0]);
    expect(said.join()).toMatch(/observation clocks start at this decision/);
  });

  it('a policy without clocks keeps the reference observation and drops any clock record', () => {
    const state = deployStateFixture({ window: 1 });
    state.clocks = {
      window: 0,
      state: { idleRateReqS: 0.7, busySeenS: [0, 0], changedS: [0, 0], signature: [0, 0] },
    };
    const built = deployObservation({ training, agents }, state, liveView(state, Date.now(), 120));
    expect(built.observation.length).toBe(171);
    expect(built.idleClocks).toBeUndefined();
    expect(state.clocks).toBeUndefined();
  });
});

describe('dashboard and policies', () => {
  it('refuses to listen on a non-loopback address unless allowed, naming the field and the fix', async () => {
    const err = await startDashboard({ hub: new DashboardHub(), host: '0.0.0.0', port: 0 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).field).toBe('dashboard.host');
    expect((err as Error).message).toMatch(/allow_remote/);
    const ok = await startDashboard({ hub: new DashboardHub(), host: '127.0.0.1', port: 0 });
    const data = (await (await fetch(`${ok.url}/api/data`)).json()) as { deploymentId: unknown };
    expect(data.deploymentId).toBeNull();
    await ok.close();
  });

  it('resolves the static baselines to fixed layouts and rejects an unknown policy with the choices', () => {
    expect(resolveDeployPolicy('static-2g').initialStates(['A100_40GB', 'A100_40GB'], 77)).toEqual([12, 12]);
    expect(resolveDeployPolicy('static-7g')).toMatchObject({ isStatic: true });
    expect(resolveDeployPolicy('heuristic').decide).toBeTypeOf('function');
    expect(() => resolveDeployPolicy('no-such-policy')).toThrow(
      /heuristic, qas, static-7g, static-2g, linucb, idle_merge/,
    );
  });
});
