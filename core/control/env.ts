/**
 * The MIG resource-management environment (Delta-HPC `TrainingMIGResourceEnv`) over the discrete-event
 * simulator: one decision every 120 simulated seconds, 1024 decisions per episode, first observation at t = 120
 * after uncontrolled warm-up traffic. `actionMasks()` must be read before each `step()`; the chosen action must be
 * in the last mask. Reward and next observation score the interval that follows the action.
 */
import type { ResolvedSimulationConfig, ResolvedTrainingConfig, TimeFeatureConfig } from '../config/index.js';
import { MigflowError } from '../errors.js';
import type { AgentName } from '../mig/index.js';
import { actionCount, actionName, NO_ACTION } from '../mig/index.js';
import {
  clusterSpecFromConfig,
  type InitialLayoutMode,
  initialLayout,
  type SimHooks,
  Simulator,
  type TokenTable,
} from '../sim/index.js';
import { concatArrivals, TrainingWorkload, type WorkloadSource } from '../workload/index.js';
import { actionMask, resolveAction } from './action-mask.js';
import type { EnvStream } from './env-rng.js';
import { ObservationBuilder } from './observation.js';
import { type ObservationLayout, observationLayout } from './observation-layout.js';
import { computeReward, type RewardBreakdown } from './reward.js';

/** Pending arrivals below which an agent gets a fresh workload batch after a step. */
export const REPLENISH_THRESHOLD = 1000;

export interface MigEnvOptions {
  readonly simulation: ResolvedSimulationConfig;
  readonly training: ResolvedTrainingConfig;
  /** Prompt/completion lengths per (agent, model), indexed by dataset item (same items for every model). */
  readonly tokens: (agent: AgentName, model: string) => TokenTable;
  /** The stream playing CPython's global `random` (simulator draws, layouts, workload reseeds): `seededEnvRng(seed)`. */
  readonly rng: EnvStream;
  /** Seed every workload batch as the bench does (seed XOR j·0x9E3779B9) instead of reseeding from the stream. */
  readonly workloadSeed?: number;
  /** Managed GPUs at reset: a random valid state (training), one 7G, or the most-split state. Default random. */
  readonly initialMode?: InitialLayoutMode;
  /** Mask transfers regardless of cooldown (the bench heuristic). Default false. */
  readonly ignoreCooldowns?: boolean;
  /** Decisions per episode; default `PPO.episode_length`. */
  readonly episodeLength?: number;
  /** Arrival source; default the pattern workload of `training.patterns`. */
  readonly workload?: WorkloadSource;
  readonly hooks?: SimHooks;
  /** The simulator's KV-capacity rule (a task's `kv_capacity`; a deviation, off by default). */
  readonly kvCapacityRule?: boolean;
  /** Keep the per-agent queue trace (grows for the simulator's whole life). Default false. */
  readonly queueTrace?: boolean;
  /**
   * The observation's time features: null = none, a setting = these (an RL checkpoint's own, benched under a
   * training config that may say otherwise). Default `training.timeFeatures`.
   */
  readonly timeFeatures?: TimeFeatureConfig | null;
}

export interface StepInfo {
  readonly timeS: number;
  readonly action: string;
  readonly reward: RewardBreakdown;
  readonly episodeStep: number;
}

export interface StepResult {
  readonly observation: Float32Array;
  readonly reward: number;
  readonly terminated: boolean;
  /** Always false: episodes end only by length. */
  readonly truncated: boolean;
  readonly info: StepInfo;
}

export class MigEnv {
  readonly sim: Simulator;
  readonly layout: ObservationLayout;
  readonly actionCount: number;
  readonly observationLength: number;
  readonly episodeLength: number;
  /** Agent names in the simulator's (enum) order. */
  readonly agents: readonly AgentName[];
  /** Lowest reward a step can return (`reward.clipping`). */
  readonly rewardFloor: number;
  /** Episodes started so far; the first reset starts episode 1. */
  episode = 0;
  /** Decisions taken in the current episode. */
  episodeStep = 0;
  private loadTurn = 0;
  private readonly builder: ObservationBuilder;
  private readonly mask: Uint8Array;
  private maskFresh = false;
  private readonly workload: WorkloadSource;
  private readonly agentCount: number;

  constructor(private readonly options: MigEnvOptions) {
    const { simulation, training } = options;
    this.agentCount = simulation.agentCount;
    this.agents = simulation.agentsEnumOrder;
    this.actionCount = actionCount(this.agentCount);
    this.episodeLength = options.episodeLength ?? training.ppo.episodeLength;
    this.rewardFloor = training.reward.clipping;
    const timeFeatures =
      options.timeFeatures === undefined ? training.timeFeatures : (options.timeFeatures ?? undefined);
    this.layout = observationLayout(
      this.agentCount,
      training.arrivalRateHistoryLength,
      timeFeatures !== undefined,
    );
    this.observationLength = this.layout.length;
    this.sim = new Simulator({
      cluster: clusterSpecFromConfig(simulation, options.tokens),
      rng: options.rng,
      actionIntervalS: training.actionIntervalS,
      budgetS: training.budgetS,
      refreshS: training.refreshPeriodS,
      cooldownSteps: training.actionCooldownSteps,
      historyLength: training.arrivalRateHistoryLength,
      queueTrace: options.queueTrace ?? false,
      hooks: options.hooks,
      ...(options.kvCapacityRule === true ? { kvCapacityRule: true } : {}),
    });
    this.builder = new ObservationBuilder(this.layout, training, this.agents, timeFeatures);
    this.mask = new Uint8Array(this.actionCount);
    this.workload =
      options.workload ??
      new TrainingWorkload(
        training,
        this.agents,
        agentItemCounts(simulation, options.tokens),
        options.rng,
        this.episodeLength,
        options.workloadSeed,
      );
  }

  /** Starts an episode: fresh layout and workload, triggers every interval, run to the first decision (t = 120). */
  reset(): { observation: Float32Array; info: { timeS: number; episode: number } } {
    this.episode++;
    this.episodeStep = 0;
    this.loadTurn = 0;
    const { simulation } = this.options;
    this.sim.reset(initialLayout(simulation, this.options.initialMode ?? 'random', this.options.rng));
    this.builder.resetClocks();
    // All agents' batches first, then one add: the reference draws the RAG search delays only when the whole
    // list is queued, from the stream as the last agent's batch left it.
    const batches = this.agents.map((_, a) => this.workload.generate(a, 0, 0));
    this.sim.addArrivals(concatArrivals(batches));
    this.sim.scheduleTriggers(this.episodeLength + 1);
    this.sim.run();
    this.maskFresh = false;
    return { observation: this.observe(), info: { timeS: this.sim.nowS, episode: this.episode } };
  }

  /** The valid-action mask now (1 = allowed). Stochastic when engines are busy (fresh cost draws). */
  actionMasks(): Uint8Array {
    actionMask(
      this.sim,
      this.agentCount,
      this.options.simulation.cluster,
      {
        cooldownSteps: this.options.training.actionCooldownSteps,
        ignoreCooldowns: this.options.ignoreCooldowns,
      },
      this.mask,
    );
    this.maskFresh = true;
    return this.mask;
  }

  /** Takes `action` at the current decision and runs to the next one. */
  step(action: number): StepResult {
    if (!this.maskFresh) this.actionMasks();
    if (!Number.isInteger(action) || action < 0 || action >= this.actionCount || this.mask[action] !== 1) {
      throw new MigflowError(
        `action ${action} (${action >= 0 && action < this.actionCount ? actionName(this.agentCount, action) : 'out of range'}) is not valid now — fix: pick an action whose actionMasks() entry is 1`,
      );
    }
    const concrete = resolveAction(this.sim, this.agentCount, action);
    this.sim.decide(concrete ?? null);
    this.sim.run();
    this.maskFresh = false;
    const observation = this.observe();
    const breakdown = computeReward(this.options.training.reward, {
      agents: this.agents,
      requests: this.sim.metrics.intervalRequests,
      tookAction: action !== NO_ACTION,
      nowS: this.sim.nowS,
      gpuEngines: this.sim.cluster.gpus.map((_, g) => this.sim.gpuEngines(g)),
      defaultWaitingQj: this.options.training.normalization.defaultWaitingQj,
    });
    this.episodeStep++;
    const terminated = this.episodeStep >= this.episodeLength;
    for (const a of this.sim.agentsNeedingArrivals(REPLENISH_THRESHOLD)) {
      this.sim.addArrivals(this.workload.generate(a, this.sim.latestArrivalTimeS(a), ++this.loadTurn));
    }
    return {
      observation,
      reward: breakdown.reward,
      terminated,
      truncated: false,
      info: {
        timeS: this.sim.nowS,
        action: actionName(this.agentCount, action),
        reward: breakdown,
        episodeStep: this.episodeStep,
      },
    };
  }

  /** The observation at the current decision (a new array). */
  observe(): Float32Array {
    return this.builder.build(this.sim, new Float32Array(this.observationLength));
  }
}

/** Dataset items per agent (enum order): the length of the token table of its first model on the managed GPU. */
export function agentItemCounts(
  cfg: ResolvedSimulationConfig,
  tokens: (agent: AgentName, model: string) => TokenTable,
): number[] {
  return cfg.agentsEnumOrder.map((agent) => {
    const first = Object.values(cfg.engines[agent]?.[cfg.gpuModel] ?? {})[0];
    if (!first) throw new MigflowError(`${agent} has no engine configured on ${cfg.gpuModel}`);
    return tokens(agent, first.model).promptTokens.length;
  });
}
