/**
 * The KV-capacity rule with each model's max_model_len (core/sim/kv-admission.ts): an engine holds a request only
 * when prompt + completion ≤ min(its KV capacity, its model's max_model_len), as vLLM rejects anything longer.
 * Built from the shipped configs: every model's vLLM config says 32 767, the task overlay's long-context model on
 * RAG's 7g.40gb 131 072 (with 348 277 tokens of KV cache).
 */
import { describe, expect, it } from 'vitest';
import { loadSimulationConfig } from '../../../core/config/index.js';
import {
  clusterSpecFromConfig,
  EngineStatus,
  type InitialEngineSpec,
  LogicalProfile as P,
  SimRequest,
} from '../../../core/sim/index.js';
import { dispatchParked } from '../../../core/sim/kv-dispatch.js';
import { dispatch } from '../../../core/sim/serving.js';
import { SimState } from '../../../core/sim/state.js';
import { Successors } from '../../../core/sim/successors.js';
import { managed, permanentA100, TEST_STATE_OPTIONS } from '../../fixtures/sim/scenarios.js';
import { seededTestRng } from '../../fixtures/sim/test-rng.js';

const Coding = 0;
const Rag = 1;
/** Items: 0 short; 1 = 40 000 tokens (above max_model_len 32 767, within a 2g's 68 739 of KV); 2 = 100 500. */
const tokens = () => ({ promptTokens: [1000, 39_500, 100_000], completionTokens: [200, 500, 500] });

function state(overlay: boolean, layout: readonly InitialEngineSpec[]): SimState {
  const cfg = loadSimulationConfig(
    'configs/simulation_config.yaml',
    overlay ? { overlay: 'configs/tasks/overlays/long-context-rag.yaml' } : {},
  );
  const st = new SimState({
    ...TEST_STATE_OPTIONS,
    cluster: clusterSpecFromConfig(cfg, tokens),
    rng: seededTestRng(1),
    kvCapacityRule: true,
  });
  st.reset(layout);
  st.triggerTimes.push(120);
  st.nowS = 120;
  return st;
}

/** Coding on GPU 0 as one 7g, RAG on GPU 1 as `rag`, both with their permanent 2g on GPU 2. */
const layout = (rag: readonly number[]) => [
  ...managed(0, Coding, [P.G7]),
  ...managed(1, Rag, rag),
  ...permanentA100(2, [Coding, Rag]),
];

describe('KV-capacity rule and max_model_len', () => {
  it('a request above every configured max_model_len is an error naming the files, fields and fix, though a 2g’s KV cache would hold it', () => {
    const st = state(false, layout([P.G2, P.G2, P.G2, P.G1Large]));
    const twoG = st.agents[Rag]!.engines.find((e) => e.profile.name === '2g.10gb')!;
    expect(twoG.kvCapacityTokens).toBeGreaterThan(40_000);
    expect(() => dispatch(st, st.agents[Rag]!, new SimRequest(0, Rag, 1, 120), new Successors())).toThrow(
      /RAGAgent: request 0 \(item 1\) is longer than any engine configured for RAGAgent holds .*max_model_len.*configs\/models\/\*\.yaml.*simulation_overlay/,
    );
  });

  it('with the long-context model on RAG’s 7g: a long request parks while RAG has no 7g, short ones go on, and the 7g takes it', () => {
    const st = state(true, layout([P.G2, P.G2, P.G2, P.G1Large]));
    const out = new Successors();
    const long = new SimRequest(0, Rag, 1, 120);
    dispatch(st, st.agents[Rag]!, long, out);
    expect(long.servingEngine).toBeNull();
    expect(st.kv!.parkedCount(Rag)).toBe(1);
    const short = new SimRequest(1, Rag, 0, 120);
    dispatch(st, st.agents[Rag]!, short, out);
    expect(short.servingEngine!.profile.name).toBe('2g.10gb');

    const withSeven = state(true, layout([P.G7]));
    const seven = withSeven.agents[Rag]!.engines.find((e) => e.profile.name === '7g.40gb')!;
    expect(seven.model).toBe('qwen2.5-7b-instruct-1m');
    // Parked requests go to an engine of the agent that holds them when it becomes ACTIVE.
    const parked = new SimRequest(2, Rag, 2, 120);
    seven.status = EngineStatus.Booting;
    dispatch(withSeven, withSeven.agents[Rag]!, parked, out);
    expect(parked.servingEngine).toBeNull();
    seven.status = EngineStatus.Active;
    dispatchParked(withSeven, seven, out);
    expect(parked.servingEngine).toBe(seven);
    expect(parked.promptTokens + parked.completionTokens).toBe(100_500);
    // The Coding agent's 7g (14B, max_model_len 32 767) never holds one: the limit is per model.
    expect(() =>
      dispatch(withSeven, withSeven.agents[Coding]!, new SimRequest(3, Coding, 1, 120), out),
    ).toThrow(/CodingAgent: request 3 \(item 1\) is longer than any engine configured for CodingAgent holds/);
  });
});
