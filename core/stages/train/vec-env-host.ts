/**
 * One MIG training environment of a run, as the trainer drives it: the environment stream of env `e` is reseeded
 * at its k-th reset from `envEpisodeSeed(runSeed, e, k)`, and (optionally) each step's log line is read from the
 * simulator. The same factory builds the in-process environment and the ones inside worker threads, so both draw
 * exactly the same episodes.
 */
import type { ResolvedSimulationConfig, ResolvedTask, ResolvedTrainingConfig } from '../../config/index.js';
import { agentItemCounts, MigEnv, seededEnvRng } from '../../control/index.js';
import type { AgentName } from '../../mig/index.js';
import { actionName } from '../../mig/index.js';
import type { TrainEnv } from '../../rl/index.js';
import type { TokenTable } from '../../sim/index.js';
import { taskWorkload, withLongPrompts } from '../../workload/index.js';

/** Seed of the env stream for the `resetIndex`-th episode of a run's first environment. */
export function episodeSeed(runSeed: number, resetIndex: number): bigint {
  return BigInt(runSeed) * 1_000_003n + BigInt(resetIndex);
}

/**
 * Seed of environment `envIndex`'s `resetIndex`-th episode. Environment 0 keeps `episodeSeed` (so one environment
 * is exactly the single-environment run, and adding environments never changes env 0's episodes); environment e > 0
 * adds e·2⁶⁴, which makes CPython's seeding read a longer key — a stream of its own that no (run seed, reset
 * index) of another environment can produce.
 */
export function envEpisodeSeed(runSeed: number, envIndex: number, resetIndex: number): bigint {
  return episodeSeed(runSeed, resetIndex) + (BigInt(envIndex) << 64n);
}

export type TokenTables = (agent: AgentName, model: string) => TokenTable;

/** Every (agent, model) table the simulation config can ask for, keyed `agent/model` (to hand to a worker). */
export function tokenTableSet(
  simulation: ResolvedSimulationConfig,
  tokens: TokenTables,
): Record<string, TokenTable> {
  const set: Record<string, TokenTable> = {};
  for (const agent of simulation.agentsEnumOrder) {
    for (const byProfile of Object.values(simulation.engines[agent] ?? {})) {
      for (const e of Object.values(byProfile ?? {})) {
        const key = `${agent}/${e.model}`;
        if (!set[key]) set[key] = tokens(agent, e.model);
      }
    }
  }
  return set;
}

/** The lookup over a `tokenTableSet`. */
export function tokenTablesFromSet(set: Readonly<Record<string, TokenTable>>): TokenTables {
  return (agent, model) => {
    const t = set[`${agent}/${model}`];
    if (!t) throw new Error(`no token table for ${agent}/${model}`);
    return t;
  };
}

export interface TrainEnvOptions {
  readonly simulation: ResolvedSimulationConfig;
  readonly training: ResolvedTrainingConfig;
  readonly tokens: TokenTables;
  readonly runSeed: number;
  /** Which of the run's environments (0-based). */
  readonly envIndex: number;
  /** Read the reference's per-step log line after every step. */
  readonly stepLogs: boolean;
  /** Draw every episode from this task's traffic instead of the training config's patterns. */
  readonly task?: ResolvedTask;
}

export interface HostedTrainEnv extends TrainEnv {
  readonly env: MigEnv;
}

/** Builds environment `envIndex` of a run. */
export function createTrainEnv(o: TrainEnvOptions): HostedTrainEnv {
  const rng = seededEnvRng(o.runSeed);
  // A task's long prompts are the bench's (seeded by the task's seed), and its KV-capacity rule comes with it.
  const long = o.task?.longPrompts;
  const tokens = long ? withLongPrompts(o.tokens, long, o.task!.bench.seed) : o.tokens;
  const env = new MigEnv({
    simulation: o.simulation,
    training: o.training,
    tokens,
    rng,
    ...(o.task?.kvCapacity ? { kvCapacityRule: true } : {}),
    ...(o.task
      ? {
          workload: taskWorkload({
            task: o.task,
            agents: o.simulation.agentsEnumOrder,
            itemCounts: agentItemCounts(o.simulation, tokens),
            rng,
            numSteps: o.training.ppo.episodeLength,
            actionIntervalS: o.training.actionIntervalS,
          }),
        }
      : {}),
  });
  const rateNorm = o.training.normalization.arrivalRate;
  return {
    env,
    observationLength: env.observationLength,
    actionCount: env.actionCount,
    reset: (i) => {
      rng.seed(envEpisodeSeed(o.runSeed, o.envIndex, i));
      return env.reset();
    },
    actionMasks: () => env.actionMasks(),
    step: (a) => env.step(a),
    carriedState: () => carriedState(env),
    restoreCarriedState: (state) => restoreCarriedState(env, state),
    ...(o.stepLogs
      ? {
          describeStep: (action: number, reward: number) => {
            const sim = env.sim;
            const rates: Record<string, number> = {};
            const state: Record<string, string[]> = {};
            sim.agents.forEach((a, i) => {
              rates[a.name] = sim.metrics.arrivalRate(i, sim.nowS) / rateNorm;
              state[a.name] = a.engines.map((e) => e.name);
            });
            return {
              step: env.episodeStep - 1,
              action: actionName(o.simulation.agentCount, action),
              reward,
              budget: sim.metrics.budgetS / o.training.budgetS,
              rates,
              state,
            };
          },
        }
      : {}),
  };
}

/**
 * What a MigEnv carries from one episode into the next (spec §8.3, kept for parity): the simulator's arrival-rate
 * history (agents × H raw rates) and the last action's downtime, which the first observations of the next episode
 * read. Everything else is rebuilt by reset() or reseeded from the reset index. The queue trace carries over too but
 * is off in training and never observed.
 */
function carriedState(env: MigEnv): Float64Array {
  const m = env.sim.metrics;
  const state = new Float64Array(m.arrivalRateHistory.length + 1);
  state.set(m.arrivalRateHistory);
  state[m.arrivalRateHistory.length] = m.lastActionDowntimeS;
  return state;
}

function restoreCarriedState(env: MigEnv, state: Float64Array): void {
  const m = env.sim.metrics;
  if (state.length !== m.arrivalRateHistory.length + 1) {
    throw new Error(
      `the checkpoint's carried environment state has ${state.length} numbers, this environment carries ${m.arrivalRateHistory.length + 1} (agents × arrival-rate history + 1): resume with the configs the checkpoint was trained with`,
    );
  }
  m.arrivalRateHistory.set(state.subarray(0, m.arrivalRateHistory.length));
  m.lastActionDowntimeS = state[m.arrivalRateHistory.length]!;
}
