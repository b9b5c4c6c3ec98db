/**
 * Runs benchmark trials: the arrival trace is generated once and replayed to every policy; each trial's own
 * randomness (starting layout, RAG search delays, latency noise, mask cost draws) comes from a stream seeded by
 * the policy's name and the bench seed, so a policy's numbers do not depend on which policies ran before it.
 * One trial: reset to t = 120, then per decision mask → decide → log → step → tick, then a flush until no work
 * is left, then recovery analysis and the metrics table.
 *
 * The start rule (`BenchSetup.start`): `own`, the reference's bench, starts each policy from its `initialMode` layout
 * drawn from its own stream. `common` (a deviation) is a paired comparison: every trial runs on ONE stream, seeded by
 * the bench seed alone, and starts from the layout that stream draws first (`commonStartLayout`); a static baseline runs
 * as `layoutReachingPolicy` (it reaches its layout, then holds). Two policies that take the same decisions then get the
 * same numbers to the last bit, so every difference in the table is a difference of decisions, not of noise draws.
 */
import type { BenchStartRule } from '../../contracts/index.js';
import type {
  ResolvedBenchConfig,
  ResolvedSimulationConfig,
  ResolvedTrainingConfig,
} from '../config/index.js';
import type { EpisodeReward, Policy, PolicyContext, PolicyFactory } from '../control/index.js';
import {
  EpisodeRewardSum,
  layoutReachingPolicy,
  MigEnv,
  resolveAction,
  seededEnvRng,
} from '../control/index.js';
import { ConfigError, MigflowError } from '../errors.js';
import type { AgentName } from '../mig/index.js';
import { actionName, NO_ACTION } from '../mig/index.js';
import type { AgentMetrics } from '../report/index.js';
import {
  type ChromeTraceRecorder,
  EnergyMeter,
  type EnergySummary,
  type InitialEngineSpec,
  type InitialLayoutMode,
  initialLayout,
  type SimHooks,
  type TokenTable,
} from '../sim/index.js';
import type { ArrivalTrace, TraceBuildOptions } from '../workload/index.js';
import {
  type BenchTrace,
  benchTraceFromArrivals,
  generateBenchTrace,
  replayBenchTrace,
  type TraceRngFactory,
  traceTokenTables,
} from '../workload/index.js';
import { type ActionLogEntry, BenchStats, FLUSH_STEP_LIMIT, reconfigRecovery } from './metrics.js';

export interface BenchSetup {
  readonly simulation: ResolvedSimulationConfig;
  readonly training: ResolvedTrainingConfig;
  readonly bench: ResolvedBenchConfig;
  readonly tokens: (agent: AgentName, model: string) => TokenTable;
  /** Decisions per trial; default `bench.benchmarkLength` (1024). */
  readonly steps?: number;
  /** Overrides `bench.seed`. */
  readonly seed?: number;
  /** Random stream of the shared trace (default: the project's seeded generator). */
  readonly traceRng?: TraceRngFactory;
  /** Replay this recorded trace (its arrivals and token counts) instead of generating one from the bench config. */
  readonly arrivalTrace?: ArrivalTrace;
  /** Generate the shared trace this way instead of from the bench config's patterns (a task's bursty model). */
  readonly generateTrace?: (o: TraceBuildOptions) => BenchTrace;
  /** The simulator's KV-capacity rule (a task's `kv_capacity`, core/sim/kv-admission.ts). Default off. */
  readonly kvCapacityRule?: boolean;
  /** Where each trial starts (see the file comment). Default `own`, the reference's bench. */
  readonly start?: BenchStartRule;
}

export interface PreparedBench {
  readonly setup: BenchSetup;
  readonly bench: ResolvedBenchConfig;
  readonly steps: number;
  readonly trace: BenchTrace;
}

export interface InitialEngineRow {
  readonly gpu: number;
  readonly agent: string;
  readonly profile: string;
  readonly permanent: boolean;
  readonly unused: boolean;
}

export interface TrialResult {
  readonly policy: string;
  readonly runName: string;
  readonly trialSeed: number;
  /** The start rule the trial ran under. */
  readonly start: BenchStartRule;
  readonly steps: number;
  readonly flushSteps: number;
  readonly flushTimedOut: boolean;
  readonly finalTimeS: number;
  readonly initialState: readonly InitialEngineRow[];
  readonly actionLog: readonly (ActionLogEntry & { readonly name: string })[];
  /** Sim time after each of the `steps` decisions (the timeline figures' x values). */
  readonly tickTimesS: readonly number[];
  /** Enum order. */
  readonly agents: readonly AgentMetrics[];
  /** The training reward summed over the `steps` decisions (flush steps excluded): the env's episode reward. */
  readonly reward: EpisodeReward;
  /** Energy and EDP of the trial under the simulation config's power model (metered beside the run). */
  readonly energy: EnergySummary;
}

/** 32-bit FNV-1a of "<policy>#<seed>": the trial's own stream, independent of run order. */
export function trialSeed(policyName: string, seed: number): number {
  let h = 0x811c9dc5;
  for (const ch of `${policyName}#${seed}`) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** What seeds every trial's stream under `common`: FNV-1a of "common-start#<seed>" (no policy has that name). */
export const COMMON_START_SEED_KEY = 'common-start';

/**
 * The layout every trial starts from under `--start common`: core/sim's `random` initial layout drawn from a stream
 * seeded with `trialSeed(COMMON_START_SEED_KEY, benchSeed)` — the layout a policy with that seed key would start
 * from under `own`. It depends on the bench seed and the simulation config only. A trial does not call this: its env
 * makes the same draw as the first draw of that same stream (`runTrial`); this names the layout for callers that
 * want it without running a trial.
 */
export function commonStartLayout(
  simulation: ResolvedSimulationConfig,
  benchSeed: number,
): InitialEngineSpec[] {
  return initialLayout(simulation, 'random', seededEnvRng(trialSeed(COMMON_START_SEED_KEY, benchSeed)));
}

/** Validates the configs against each other and generates the shared trace. */
export function prepareBench(setup: BenchSetup): PreparedBench {
  const bench = setup.seed === undefined ? setup.bench : { ...setup.bench, seed: setup.seed };
  const { simulation, training } = setup;
  const agents = simulation.agentsEnumOrder;
  if (bench.agents.length !== agents.length || bench.agents.some((a, i) => a !== agents[i])) {
    throw new ConfigError(
      bench.file,
      'agents',
      `lists ${bench.agents.join(', ')} but ${simulation.file} activates ${agents.join(', ')}`,
      `set agents: [${agents.join(', ')}] (the workload needs a rate for every simulated agent)`,
    );
  }
  const steps = setup.steps ?? bench.benchmarkLength;
  if (!Number.isInteger(steps) || steps < 1) {
    throw new MigflowError(
      `bench steps must be a whole number ≥ 1, got ${steps} — fix: pass --steps 1 or more`,
    );
  }
  if (setup.arrivalTrace) {
    // Decisions past the trace's last arrival would all fall at one instant (the simulator stops when work runs
    // out), so a short trace shortens the trial to the intervals it covers.
    const covered = Math.max(1, Math.ceil(setup.arrivalTrace.spanS / training.actionIntervalS));
    const traceSteps = Math.min(steps, covered);
    const trace = benchTraceFromArrivals(setup.arrivalTrace, traceSteps * training.actionIntervalS);
    return {
      setup: { ...setup, tokens: traceTokenTables(setup.arrivalTrace) },
      bench,
      steps: traceSteps,
      trace,
    };
  }
  const itemCounts = agents.map((a) => {
    const first = Object.values(simulation.engines[a]?.[simulation.gpuModel] ?? {})[0];
    if (!first) {
      throw new ConfigError(
        simulation.file,
        `simulation.agents.${a}.${simulation.gpuModel}`,
        'no engine configured',
        'configure at least one MIG instance for every agent on the managed GPU model',
      );
    }
    return setup.tokens(a, first.model).promptTokens.length;
  });
  const trace = setup.generateTrace
    ? setup.generateTrace({
        agents,
        itemCounts,
        actionIntervalS: training.actionIntervalS,
        steps,
        seed: bench.seed,
      })
    : generateBenchTrace({
        bench,
        agents,
        itemCounts,
        actionIntervalS: training.actionIntervalS,
        steps,
        ...(setup.traceRng ? { rng: setup.traceRng } : {}),
      });
  return { setup, bench, steps, trace };
}

export interface TrialOptions {
  /** Records the trial as a Chrome trace (an observer, like the energy meter). */
  readonly chromeTrace?: ChromeTraceRecorder;
  /**
   * Serve what is left after the last decision (default true). Off for a held-out evaluation, which reads only the
   * reward (summed over the decisions, so the same either way); latency figures then cover completed requests only.
   */
  readonly flush?: boolean;
}

/**
 * Where a trial of `policy` starts under `prepared.setup.start`: the seed of its random stream and the initial
 * layout mode. Under `common` every trial draws the `random` start first from the one common stream: that draw IS
 * the common layout (`commonStartLayout` names it; nothing draws it a second time), and a static mode, which would
 * consume fewer draws and shift every later one, does not apply.
 */
export function trialStart(
  prepared: PreparedBench,
  policy: Pick<Policy, 'name' | 'seedKey' | 'initialMode'>,
): { seed: number; initialMode: InitialLayoutMode } {
  const common = (prepared.setup.start ?? 'own') === 'common';
  return {
    // Common random numbers under `common`: one stream for every policy, so equal decisions give equal results.
    seed: trialSeed(common ? COMMON_START_SEED_KEY : (policy.seedKey ?? policy.name), prepared.bench.seed),
    initialMode: common ? 'random' : policy.initialMode,
  };
}

export function runTrial(
  prepared: PreparedBench,
  factory: PolicyFactory,
  options: TrialOptions = {},
): TrialResult {
  const { simulation, training, tokens } = prepared.setup;
  const start = prepared.setup.start ?? 'own';
  // From a layout not its own a static baseline first reaches its layout (it cannot start there).
  const policy = start === 'common' ? layoutReachingPolicy(factory()) : factory();
  const { seed, initialMode } = trialStart(prepared, policy);
  // An observer: the trial draws and decides exactly as without it.
  const meter = new EnergyMeter();
  const trace = options.chromeTrace;
  const hooks: SimHooks = trace
    ? {
        onEvent: trace.onEvent,
        onRequestCompleted: (r, e) => {
          meter.onRequestCompleted(r, e);
          trace.onRequestCompleted(r, e);
        },
      }
    : meter;
  const env = new MigEnv({
    hooks,
    simulation,
    training,
    tokens,
    rng: seededEnvRng(seed),
    initialMode,
    // Cooldowns stay enforced for every policy: the reference's heuristic lifts them only in the validity
    // check and then enforces them in its own mask, which comes to the same.
    ignoreCooldowns: false,
    episodeLength: prepared.steps,
    workload: replayBenchTrace(prepared.trace),
    queueTrace: true,
    ...(prepared.setup.kvCapacityRule === true ? { kvCapacityRule: true } : {}),
    // An RL checkpoint sees the observation it was trained on (its time features), not the bench config's choice.
    ...(policy.timeFeatures !== undefined ? { timeFeatures: policy.timeFeatures } : {}),
  });
  const agentCount = simulation.agentCount;
  trace?.attach(env.sim);
  let observation = env.reset().observation;
  const sim = env.sim;
  const initialState = describeLayout(env);
  // Under the KV-capacity rule a request may wait for an engine that never comes: it must still count (metrics.ts).
  const stats = new BenchStats(agentCount, prepared.setup.kvCapacityRule === true);
  const reward = new EpisodeRewardSum(training.reward);
  for (let step = 0; step < prepared.steps; step++) {
    const mask = env.actionMasks();
    const context: PolicyContext = { cluster: sim, simulation, training, bench: prepared.bench, step, seed };
    const action = policy.decide(observation, mask, context);
    if (mask[action] !== 1) {
      throw new MigflowError(
        `policy ${policy.name} chose ${action} at t=${sim.nowS}, which the mask forbids — fix: return an index whose mask entry is 1`,
      );
    }
    if (action !== NO_ACTION) stats.recordAction(sim, action, resolveAction(sim, agentCount, action));
    const result = env.step(action);
    observation = result.observation;
    reward.add(result.info.reward);
    policy.learn?.(result.reward);
    stats.tick(sim, true);
  }
  let flushSteps = 0;
  let flushTimedOut = false;
  while (options.flush !== false && sim.hasActiveWork()) {
    env.step(NO_ACTION);
    stats.tick(sim, false);
    flushSteps++;
    if (flushSteps > FLUSH_STEP_LIMIT) {
      flushTimedOut = true;
      break;
    }
  }
  const agentNames = sim.agents.map((a) => a.name);
  const phases = prepared.trace.agents.map((a) => a.phases);
  const recovery = reconfigRecovery({
    episodes: sim.reconfigEpisodes(),
    agentNames,
    queueTraces: agentNames.map((_, a) => sim.queueTrace(a)),
    phases,
    finalTimeS: sim.nowS,
  });
  return {
    policy: policy.name,
    runName: policy.runName,
    trialSeed: seed,
    start,
    steps: prepared.steps,
    flushSteps,
    flushTimedOut,
    finalTimeS: sim.nowS,
    initialState,
    actionLog: stats.actionLog.map((e) => ({ ...e, name: actionName(agentCount, e.action) })),
    tickTimesS: stats.tickTimesS,
    agents: stats.summarize({ agentNames, decisions: prepared.steps, phases, recovery, endTimeS: sim.nowS }),
    reward: reward.summary(),
    energy: meter.summary(sim, simulation.power ?? {}),
  };
}

/** Permanent engines, then managed ones, then padding — the reference's "[Initial State]" order. */
function describeLayout(env: MigEnv): InitialEngineRow[] {
  const rows = env.sim.engines.map((e) => ({
    gpu: e.gpu,
    agent: env.sim.agents[e.owner]?.name ?? String(e.owner),
    profile: e.profile.name,
    permanent: e.permanent,
    unused: e.unused,
  }));
  const rank = (r: InitialEngineRow) => (r.unused ? 2 : r.permanent ? 0 : 1);
  return rows
    .map((r, i) => ({ r, i }))
    .sort((a, b) => rank(a.r) - rank(b.r) || a.i - b.i)
    .map(({ r }) => r);
}

/** Every trial in order on one shared trace. */
export function runBench(
  setup: BenchSetup,
  policies: readonly PolicyFactory[],
  onTrial?: (result: TrialResult) => void,
): { prepared: PreparedBench; trials: TrialResult[] } {
  const prepared = prepareBench(setup);
  const trials: TrialResult[] = [];
  for (const f of policies) {
    const r = runTrial(prepared, f);
    onTrial?.(r);
    trials.push(r);
  }
  return { prepared, trials };
}
