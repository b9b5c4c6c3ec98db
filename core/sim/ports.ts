/**
 * What the simulator needs from the rest of migflow, stated as small interfaces so `core/sim` builds and
 * tests on its own: a random stream (`core/random` provides a CPython-compatible one), the cluster's
 * per-engine parameters (built from `simulation_config.yaml`), token tables (built from the generated
 * JSONLs) and the geometry table (`core/mig`). Callers adapt their modules to these shapes.
 */

/** The three draws the simulator makes. Same call order as the reference, so a CPython-exact stream stays exact. */
export interface SimRng {
  /** Uniform on [a, b] (CPython `random.uniform`). */
  uniform(a: number, b: number): number;
  /** One normal draw (CPython `random.gauss`, which keeps a cached second value). */
  gauss(mu: number, sigma: number): number;
}

/**
 * A stream that also draws whole runs of latency draws in one call (`CPythonRandom` does, in WebAssembly): what
 * `maxDraws` calls `Math.max(gauss(mu, sigma), 0)` would return, each added to a clock from `clockS`, stopping once
 * the clock reaches `stopS` (checked before each draw). The draws land in `runDraws`, the clock after them in
 * `runClockS[0]`; returns how many. `maxDraws` is at most `runDraws.length`. Same draws, same order, same cache.
 */
export interface LatencyRunRng extends SimRng {
  gaussRun(mu: number, sigma: number, clockS: number, stopS: number, maxDraws: number): number;
  readonly runDraws: Float64Array;
  readonly runClockS: Float64Array;
}

/** Whether `rng` draws runs itself (else the simulator calls `gauss` once per iteration). */
export function drawsLatencyRuns(rng: SimRng): rng is LatencyRunRng {
  return typeof (rng as Partial<LatencyRunRng>).gaussRun === 'function';
}

/** Linear latency model `max(0, Normal(alpha + beta·x, sigma))` fitted by profiling. Seconds. */
export interface LatencyParams {
  readonly alpha: number;
  readonly beta: number;
  readonly sigma: number;
}

/** One (agent, GPU, MIG profile) entry of the simulation config, with the derived quantities resolved. */
export interface EngineProfileParams {
  readonly model: string;
  /** vLLM `max_num_batched_tokens` of the model: the per-iteration token budget. */
  readonly maxBatchedTokens: number;
  /** floor(kv_cache_GB × 1048576 / kv_per_token_KB). */
  readonly kvCapacityTokens: number;
  /** The model's vLLM `max_model_len` (longest prompt + completion it accepts); only the KV-capacity rule reads it. */
  readonly maxModelLen?: number;
  readonly restartTimeS: number;
  readonly prefill: LatencyParams;
  readonly tpot: LatencyParams;
}

/** A physical MIG profile of one GPU model, e.g. `7g.180gb`; `logical` is the profile idx (0 = 7G … 5 = 1S). */
export interface HardwareProfile {
  readonly logical: number;
  readonly size: number;
  readonly vramGb: number;
  readonly name: string;
}

export interface SimGpuSpec {
  /** GPU model name, e.g. `B200`, `A100_40GB`. */
  readonly model: string;
  /** Managed GPUs are 0..N−1; the permanent GPU is last and unmanaged. */
  readonly managed: boolean;
  /** Indexed by logical profile idx; undefined where the GPU model has no such profile. */
  readonly profiles: readonly (HardwareProfile | undefined)[];
}

export interface SimAgentSpec {
  /** The agent's enum string, e.g. `CodingAgent`. */
  readonly name: string;
  /** Present only for the RAG agent: its search delay U(min, max) before dispatch. */
  readonly ragSearch?: { readonly minS: number; readonly maxS: number };
}

/**
 * Prompt and completion lengths of one (agent, model) pair, indexed by the request's `itemIndex`:
 * the position of its original id in the agent's canonical id list (the same list for every model).
 */
export interface TokenTable {
  readonly promptTokens: ArrayLike<number>;
  readonly completionTokens: ArrayLike<number>;
}

/** The geometry states (ids 1, 2, 3, 4, 8–17, 19) as ordered tuples of logical profile idx. */
export interface GeometryStates {
  readonly stateIds: readonly number[];
  profilesOf(stateId: number): readonly number[];
}

/** Everything the simulator reads from the configuration, resolved once. Agents are in enum order. */
export interface SimClusterSpec {
  readonly agents: readonly SimAgentSpec[];
  readonly gpus: readonly SimGpuSpec[];
  readonly states: GeometryStates;
  /** Throws a ConfigError naming the missing YAML entry when the triple is not configured. */
  engineParams(agent: number, gpu: number, logicalProfile: number): EngineProfileParams;
  tokenTable(agent: number, model: string): TokenTable;
}

/** A request as the workload generator produces it. */
export interface ArrivalSpec {
  readonly agent: number;
  readonly arrivalTimeS: number;
  /** Index into the agent's token tables (the original dataset id's position). */
  readonly itemIndex: number;
}

/** Arrivals as parallel columns (what core/workload produces), so a batch needs no object per arrival. */
export interface ArrivalColumns {
  readonly agents: ArrayLike<number>;
  readonly arrivalTimesS: Float64Array;
  readonly itemIndices: ArrayLike<number>;
}

/** One engine of an initial layout: the reference's `initial_state` entries. */
export interface InitialEngineSpec {
  readonly gpu: number;
  readonly logicalProfile: number;
  readonly agent: number;
  /** Engines on the permanent GPU. */
  readonly permanent?: boolean;
  /** Padding engine: on the GPU (counts for state identification) but in no agent's engine list. */
  readonly unused?: boolean;
}
