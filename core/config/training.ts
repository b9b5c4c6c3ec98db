/**
 * Schema and loader for `configs/training_config.yaml`: decision interval, observation normalisation, PPO
 * hyper-parameters, the action-mask cooldown, workload patterns, the reconfiguration budget and the reward.
 * Keys keep the reference's spelling so its files load unchanged; the resolved form is camelCase with units.
 */
import { z } from 'zod';
import {
  BenchStartRule,
  MAX_RATE_REQ_S,
  MAX_TRAIN_STEPS,
  overLimit,
  type TimeFeatureConfig,
} from '../../contracts/index.js';
import type { AgentName } from '../mig/index.js';
import { parseYamlConfig, readConfigText } from './load.js';
import { configErrorAt, type ResolvedSimulationConfig } from './simulation.js';

const num = (def: number, what: string) => z.number().default(def).describe(`${what}; default ${def}`);
const nonNeg = (def: number, what: string) =>
  z.number().min(0).default(def).describe(`${what}; default ${def}`);
/** A probability-like factor in (0, 1]: a discount or GAE λ above 1 makes returns grow without bound. */
const unitInterval = (def: number, what: string) =>
  z
    .number()
    .positive()
    .max(
      1,
      'must be at most 1 (a value above 1 weights future rewards more than present ones: returns diverge)',
    )
    .default(def)
    .describe(`${what}, in (0, 1]; default ${def}`);

/** Most environments one trainer steps (one worker thread each). */
export const MAX_N_ENVS = 64;
/** `time_features.scale` and `cap` unset: also what a deployment of idle_merge scales its unread clocks by. */
export const TIME_FEATURE_DEFAULTS = { scaleS: 3600, cap: 2 } as const;

const posNum = (def: number, what: string) =>
  z.number().positive().default(def).describe(`${what}; default ${def}`);
const posInt = (def: number, what: string) =>
  z.number().int().positive().default(def).describe(`${what}; default ${def}`);
const range = (lo: number, hi: number, what: string) =>
  z
    .tuple([z.number().min(0), z.number().min(0)])
    .refine(([a, b]) => a <= b, 'the first bound must not exceed the second')
    .default([lo, hi])
    .describe(`${what} as [low, high]; default [${lo}, ${hi}]`);

const patternSchema = (d: [number, number], rates: Record<AgentName, [number, number]>) =>
  z
    .object({
      duration: range(d[0], d[1], 'phase duration in seconds, drawn uniformly'),
      rate: z
        .record(
          z.string(),
          z
            .tuple([
              z.number().positive(),
              z
                .number()
                .positive()
                .max(MAX_RATE_REQ_S, overLimit(MAX_RATE_REQ_S, 'req/s', 'MAX_RATE_REQ_S')),
            ])
            .refine(([lo, hi]) => lo <= hi, {
              message: 'the low rate is above the high rate',
              params: { fix: 'swap them: [low, high] req/s (a rate is drawn uniformly between them)' },
            }),
        )
        .default(rates)
        .describe(
          `per agent, request rate bounds in req/s, a fresh uniform draw for every gap; default ${JSON.stringify(rates)}`,
        ),
    })
    .strict()
    .prefault({});

const Q_DEFAULT_NOTE = 'per agent, per MIG instance name, the quality factor Q of serving there; no default';

export const trainingConfigSchema = z
  .object({
    training: z
      .object({
        tmux_session: z
          .string()
          .default('hpc')
          .describe('tmux session of the reference grid search; unused by migflow; default "hpc"'),
        sb3_norm: z
          .boolean()
          .default(false)
          .describe(
            'normalise observations and rewards with running statistics (VecNormalize); default false',
          ),
        'action-interval': posNum(120, 'simulated seconds between two decisions'),
        total_timesteps: z
          .number()
          .int()
          .positive()
          .max(MAX_TRAIN_STEPS, overLimit(MAX_TRAIN_STEPS, 'env steps', 'MAX_TRAIN_STEPS'))
          .default(1024000)
          .describe('environment steps of one training run; default 1024000'),
        arrival_rate_history_length: posInt(5, 'past interval arrival rates in the observation (H)'),
        normalization: z
          .object({
            total_sm_ratio: posNum(7, "divisor of an agent's total compute slices"),
            total_vram_ratio: posNum(40, "divisor of an agent's total VRAM in GB (sized for A100)"),
            mig_geometry: posNum(7, "divisor of an agent's slices per managed GPU"),
            vram_transfer_amount: posNum(20, 'divisor of the slices last given or received'),
            arrival_rate: posNum(10, 'divisor of arrival rates in req/s'),
            avg_queue_length: posNum(10, 'q in log10(1+x)/log10(1+q) for the average waiting queue'),
            avg_running_requests: posNum(100, 'divisor of the average running requests'),
            avg_composite_latency: posNum(5, 'q in log10(1+x)/log10(1+q) for the latency ratio'),
            queue_length_trend_clamp: posNum(3, 'the queue trend is clamped to ±this'),
            default_waiting_qj: num(1, 'Q of a request that has not started prefill'),
          })
          .strict()
          .prefault({})
          .describe('observation normalisation constants'),
        PPO: z
          .object({
            episode_length: posInt(1024, 'decisions per episode'),
            n_steps: posInt(2048, 'environment steps per rollout and environment (SB3 n_steps)'),
            n_envs: z
              .number()
              .int()
              .positive()
              .max(MAX_N_ENVS, `at most ${MAX_N_ENVS} environments (one worker thread each)`)
              .default(1)
              .describe(
                'environments stepped in parallel, each on a worker thread with its own seeded stream (SB3 n_envs); a rollout holds n_steps × n_envs transitions; default 1',
              ),
            lr_max: posNum(5e-5, 'learning rate at the start (linear decay to lr_min)'),
            lr_min: posNum(5e-5, 'learning rate at the end'),
            batch_size: z
              .number()
              .int()
              .min(2, 'must be at least 2 (advantages are normalised over each minibatch)')
              .default(256)
              .describe('minibatch size; default 256'),
            n_epochs: posInt(10, 'passes over each rollout'),
            gamma: unitInterval(0.995, 'discount factor'),
            gae_lambda: unitInterval(0.9, 'GAE lambda'),
            clip_range: posNum(0.2, 'PPO clip range (also used for the value clip)'),
            ent_coef_schd: z
              .boolean()
              .default(false)
              .describe(
                'step the entropy coefficient max → mid → min at 20% and 60% progress; default false',
              ),
            ent_coef: nonNeg(0.005, 'entropy coefficient when there is no schedule'),
            min_ent_coef: nonNeg(0.005, 'final entropy coefficient of the schedule (and on resume)'),
            max_ent_coef: nonNeg(0.05, 'first entropy coefficient of the schedule'),
            target_kl: z
              .number()
              .positive()
              .optional()
              .describe(
                "stop an update's epochs once a minibatch's approximate KL exceeds 1.5 × this (SB3 target_kl); default none (all n_epochs)",
              ),
            critic_warmup_updates: z
              .number()
              .int()
              .min(0)
              .default(0)
              .describe(
                "the first N updates fit only the critic, the actor frozen (for a warm start: the critic learns the cloned policy's values before its advantages steer the actor); default 0",
              ),
            clone_label_smoothing: z
              .number()
              .min(0)
              .max(0.5, 'must be at most 0.5 (the teacher keeps most of the probability)')
              .default(0)
              .describe(
                "warm start: label smoothing of the behaviour cloning, the target (1 − ε) on the teacher's action and ε spread over the allowed actions, so the clone keeps exploring (its argmax stays the teacher's); default 0 (plain cross-entropy)",
              ),
            clone_refit: z
              .enum(['full', 'scaled'])
              .default('full')
              .describe(
                "warm start with DAgger rounds (--warm-start-rounds): how each round refits the clone on every row so far. full: 20 epochs over all of them, so round k costs k + 1 first fits; scaled: ⌈20 × new rows / all rows⌉ epochs from the clone's weights (10, then 7), each round about one first fit (idle_merge, 2 rounds of 8,192, seed 1: 114 s of cloning instead of 180 s, the clone's agreement 98.6 % instead of 99.2 % and its bench +112.2 instead of +114.8 under --start common); default full",
              ),
            teacher_anchor_steps: z
              .number()
              .int()
              .min(0)
              .default(0)
              .describe(
                "warm start: after every PPO update, this many Adam steps of behaviour cloning on the teacher's demonstrations (batch 256, lr 1e-3) pull the actor back towards its teacher (DAPG-style); needs --warm-start (a resume reads the run's warm-start/demonstrations.bin); default 0 (none)",
              ),
            net_arch: z
              .object({
                pi: z
                  .array(z.number().int().positive())
                  .default([512, 512])
                  .describe('actor hidden layers; default [512, 512]'),
                vf: z
                  .array(z.number().int().positive())
                  .default([512, 512])
                  .describe('critic hidden layers; default [512, 512]'),
              })
              .strict()
              .prefault({})
              .describe('separate actor and critic MLPs with tanh'),
          })
          .strict()
          .superRefine((p, ctx) => checkPpoCombination(p, ctx))
          .prefault({})
          .describe('Maskable PPO hyper-parameters'),
        action_mask: z
          .object({
            action_cooldown: z
              .number()
              .int()
              .min(0)
              .default(10)
              .describe(
                'decisions a (giver → receiver) transfer pair stays masked after a transfer; default 10',
              ),
          })
          .strict()
          .prefault({}),
        patterns: z
          .object({
            idle: patternSchema([3600, 4800], {
              CodingAgent: [0.2, 0.5],
              RAGAgent: [0.1, 0.5],
              ChatAgent: [0.1, 0.5],
            }),
            even: patternSchema([1800, 2200], { CodingAgent: [1, 2.5], RAGAgent: [1, 2], ChatAgent: [1, 2] }),
            busy: patternSchema([1800, 2200], {
              CodingAgent: [3, 4],
              RAGAgent: [4.5, 5.5],
              ChatAgent: [4.5, 5.5],
            }),
            burst: patternSchema([300, 700], { CodingAgent: [4, 5], RAGAgent: [6, 8], ChatAgent: [6, 8] }),
          })
          .strict()
          .prefault({})
          .describe('workload patterns; each phase picks one uniformly'),
        evaluation: z
          .object({
            episodes: posInt(1, 'held-out episodes per evaluation, the k-th on trace seed `seed` + k'),
            decisions: z
              .number()
              .int()
              .positive()
              .max(MAX_TRAIN_STEPS, overLimit(MAX_TRAIN_STEPS, 'decisions', 'MAX_TRAIN_STEPS'))
              .optional()
              .describe("decisions per held-out episode; default the bench config's benchmark_length"),
            seed: z
              .number()
              .int()
              .min(0)
              .optional()
              .describe(
                "seed of the held-out trace; default the bench config's seed + 1 (the bench trace itself stays unseen by the choice)",
              ),
            start: BenchStartRule.optional().describe(
              "where each held-out episode starts, as `migflow bench --start`: own (the reference's: the checkpoint from a random layout of its own) or common (the layout every policy of a `--start common` bench starts from); default own",
            ),
          })
          .strict()
          .optional()
          .describe(
            'held-out evaluation at every checkpoint (SB3 EvalCallback): the checkpoint runs deterministically (masked argmax) on a bench-style trace of its own and checkpoints/best.json picks the best evaluation reward instead of the best training reward; absent = off',
          ),
        time_features: z
          .object({
            enabled: z
              .boolean()
              .default(false)
              .describe(
                "append clocks to the observation (a migflow deviation, docs/deviations.md): per agent in name order the seconds since its interval arrival rate was last at or above idle_rate (0 while it is), per managed GPU the seconds since its layout last changed, each / scale and capped at cap; the reference's features keep their offsets; default false (the reference's observation)",
              ),
            idle_rate: posNum(
              0.7,
              'req/s: an interval whose arrival rate is below this counts as idle; the one idle rate of migflow: the idle clocks above and the idle_merge policy (bench, deploy, warm start) read it, whether or not enabled is true',
            ),
            scale: posNum(TIME_FEATURE_DEFAULTS.scaleS, 'seconds per unit of a clock feature'),
            cap: posNum(TIME_FEATURE_DEFAULTS.cap, 'a clock feature is capped at this (in units of scale)'),
          })
          .strict()
          .prefault({})
          .describe(
            'opt-in time features at the end of the observation; the checkpoint records them so its bench builds the same vector',
          ),
        reconfig: z
          .object({
            budget: posNum(300, 'reconfiguration budget in seconds of predicted downtime'),
            refresh: posNum(30, 'minutes without any action after which the budget is refilled'),
          })
          .strict()
          .prefault({}),
        reward: z
          .object({
            Q: z.record(z.string(), z.record(z.string(), z.number().positive())).describe(Q_DEFAULT_NOTE),
            alpha: z
              .record(z.string(), z.number())
              .default({ CodingAgent: 1, RAGAgent: 1, ChatAgent: 1 })
              .describe('per agent, weight of its latency penalty; default 1.0 each'),
            w_ttft: num(0.8, "weight of TTFT in a request's cost"),
            w_tpot: num(0.2, "weight of TPOT in a request's cost"),
            gamma: num(12, 'penalty for taking any action other than NO_ACTION (not a discount)'),
            scaling: posNum(0.1, 'factor applied to the summed reward terms'),
            clipping: num(-50, 'lower bound of the reward'),
            use_quality_bonus: z
              .boolean()
              .default(false)
              .describe('add the Q-weighted token share and stop dividing costs by Q; default false'),
            use_affinity_bonus: z
              .boolean()
              .default(false)
              .describe('reward agents whose slices sit on few GPUs; default false'),
            affinity_bonus_weight: num(1, 'factor of the affinity bonus'),
          })
          .strict(),
      })
      .strict(),
  })
  .strict();

export type TrainingConfig = z.input<typeof trainingConfigSchema>;

/**
 * Combinations of PPO values that cannot train (SB3's PPO constructor checks the same up front): the rollout must
 * hold at least one minibatch, a last minibatch of a single transition (no advantage normalisation, a full Adam step
 * on one sample) is refused, and the learning rate decays from lr_max to lr_min, never up.
 */
function checkPpoCombination(
  p: {
    n_steps: number;
    n_envs: number;
    batch_size: number;
    lr_max: number;
    lr_min: number;
    min_ent_coef: number;
    max_ent_coef: number;
  },
  ctx: z.RefinementCtx,
): void {
  const issue = (field: string, message: string, fix: string) =>
    ctx.addIssue({ code: 'custom', path: [field], message, params: { fix }, input: undefined });
  const rollout = p.n_steps * p.n_envs;
  if (p.batch_size > rollout) {
    issue(
      'batch_size',
      `${p.batch_size} is larger than a rollout (n_steps ${p.n_steps} × n_envs ${p.n_envs} = ${rollout} transitions)`,
      `lower training.PPO.batch_size to at most ${rollout}, or raise n_steps/n_envs`,
    );
  } else if (rollout % p.batch_size === 1) {
    issue(
      'batch_size',
      `a rollout of ${rollout} transitions (n_steps × n_envs) leaves a last minibatch of 1 transition`,
      `choose batch_size and n_steps × n_envs so the remainder is not 1, e.g. batch_size ${largestDivisorAtMost(rollout, p.batch_size)} (a divisor of ${rollout})`,
    );
  }
  if (p.lr_min > p.lr_max) {
    issue(
      'lr_min',
      `lr_min ${p.lr_min} is above lr_max ${p.lr_max} (the learning rate decays from lr_max to lr_min)`,
      'swap them, or set both to the same value for a constant learning rate',
    );
  }
  if (p.min_ent_coef > p.max_ent_coef) {
    issue(
      'min_ent_coef',
      `min_ent_coef ${p.min_ent_coef} is above max_ent_coef ${p.max_ent_coef}`,
      'swap them (the schedule steps down from max_ent_coef to min_ent_coef)',
    );
  }
}

function largestDivisorAtMost(n: number, limit: number): number {
  for (let d = Math.min(n, limit); d >= 2; d--) if (n % d === 0) return d;
  return n;
}

export interface RateRange {
  readonly low: number;
  readonly high: number;
}
export const PatternName = { Idle: 'idle', Even: 'even', Busy: 'busy', Burst: 'burst' } as const;
export type PatternName = (typeof PatternName)[keyof typeof PatternName];
export const PATTERN_NAMES: readonly PatternName[] = ['idle', 'even', 'busy', 'burst'];

export interface WorkloadPattern {
  readonly durationS: RateRange;
  /** Per agent, request-rate bounds in req/s. */
  readonly rateReqS: Readonly<Record<string, RateRange>>;
}

export interface RewardConfig {
  /** agent → MIG instance name → Q. */
  readonly q: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly alpha: Readonly<Record<string, number>>;
  readonly wTtft: number;
  readonly wTpot: number;
  /** Action penalty Ω (not a discount factor). */
  readonly actionPenalty: number;
  readonly scaling: number;
  readonly clipping: number;
  readonly useQualityBonus: boolean;
  readonly useAffinityBonus: boolean;
  readonly affinityBonusWeight: number;
}

export interface NormalizationConfig {
  readonly totalSmRatio: number;
  readonly totalVramRatio: number;
  readonly migGeometry: number;
  readonly vramTransferAmount: number;
  readonly arrivalRate: number;
  readonly avgQueueLength: number;
  readonly avgRunningRequests: number;
  readonly avgCompositeLatency: number;
  readonly queueLengthTrendClamp: number;
  readonly defaultWaitingQj: number;
}

export interface PpoConfig {
  readonly episodeLength: number;
  /** Steps per environment and rollout. */
  readonly nSteps: number;
  /** Environments stepped in parallel (SB3's n_envs). */
  readonly nEnvs: number;
  readonly lrMax: number;
  readonly lrMin: number;
  readonly batchSize: number;
  readonly nEpochs: number;
  readonly gamma: number;
  readonly gaeLambda: number;
  readonly clipRange: number;
  readonly entCoefSchedule: boolean;
  readonly entCoef: number;
  readonly minEntCoef: number;
  readonly maxEntCoef: number;
  /** SB3's target_kl: an update stops its epochs early past 1.5 × this; absent = never. */
  readonly targetKl?: number;
  /** Updates at the start that fit only the critic (the actor frozen); 0 = none. */
  readonly criticWarmupUpdates: number;
  /** Warm start: label smoothing ε of the behaviour cloning; 0 = none. */
  readonly cloneLabelSmoothing: number;
  /** Warm start: DAgger refits of ⌈epochs × new / all⌉ epochs (`scaled`); absent = `full` epochs over every row. */
  readonly cloneRefit?: 'scaled';
  /** Warm start: Adam steps of behaviour cloning after every PPO update; 0 = none. */
  readonly teacherAnchorSteps: number;
  readonly netArch: { readonly pi: readonly number[]; readonly vf: readonly number[] };
}

export interface ResolvedTrainingConfig {
  readonly file: string;
  readonly sb3Norm: boolean;
  readonly actionIntervalS: number;
  readonly totalTimesteps: number;
  readonly arrivalRateHistoryLength: number;
  readonly normalization: NormalizationConfig;
  readonly ppo: PpoConfig;
  readonly actionCooldownSteps: number;
  readonly patterns: Readonly<Record<PatternName, WorkloadPattern>>;
  readonly budgetS: number;
  /** Seconds without an action after which the budget refills (`reconfig.refresh` minutes × 60). */
  readonly refreshPeriodS: number;
  readonly reward: RewardConfig;
  /** Held-out evaluation at every checkpoint; absent = off (best.json then picks by training reward). */
  readonly evaluation?: EvaluationConfig;
  /** Clocks appended to the observation (`time_features`, a deviation); absent = off, the reference's vector. */
  readonly timeFeatures?: TimeFeatureConfig;
  /**
   * Req/s below which an agent's interval counts as idle (`time_features.idle_rate`), set whether or not the clocks
   * are on: the idle_merge policy reads it (its one home; the bench config no longer has one).
   */
  readonly idleRateReqS: number;
}

/** The observation's opt-in clocks (core/control/time-features.ts); its home is contracts/, as checkpoints record it. */
export type { TimeFeatureConfig };

export interface EvaluationConfig {
  /** Held-out episodes per evaluation; the k-th replays the trace of seed `seed + k`. */
  readonly episodes: number;
  /** Decisions per episode; absent = the bench config's benchmark_length. */
  readonly decisions?: number;
  /** Trace seed; absent = the bench config's seed + 1. */
  readonly seed?: number;
  /** The bench start rule of the held-out episodes; absent = `own`, the reference's. */
  readonly start?: BenchStartRule;
}

type Parsed = z.output<typeof trainingConfigSchema>['training'];

function resolve(file: string, t: Parsed): ResolvedTrainingConfig {
  const rng = ([low, high]: readonly [number, number]): RateRange => ({ low, high });
  const patterns = {} as Record<PatternName, WorkloadPattern>;
  for (const name of PATTERN_NAMES) {
    const p = t.patterns[name];
    patterns[name] = {
      durationS: rng(p.duration),
      rateReqS: Object.fromEntries(Object.entries(p.rate).map(([a, r]) => [a, rng(r)])),
    };
  }
  const n = t.normalization;
  const p = t.PPO;
  const r = t.reward;
  return {
    file,
    sb3Norm: t.sb3_norm,
    actionIntervalS: t['action-interval'],
    totalTimesteps: t.total_timesteps,
    arrivalRateHistoryLength: t.arrival_rate_history_length,
    normalization: {
      totalSmRatio: n.total_sm_ratio,
      totalVramRatio: n.total_vram_ratio,
      migGeometry: n.mig_geometry,
      vramTransferAmount: n.vram_transfer_amount,
      arrivalRate: n.arrival_rate,
      avgQueueLength: n.avg_queue_length,
      avgRunningRequests: n.avg_running_requests,
      avgCompositeLatency: n.avg_composite_latency,
      queueLengthTrendClamp: n.queue_length_trend_clamp,
      defaultWaitingQj: n.default_waiting_qj,
    },
    ppo: {
      episodeLength: p.episode_length,
      nSteps: p.n_steps,
      nEnvs: p.n_envs,
      lrMax: p.lr_max,
      lrMin: p.lr_min,
      batchSize: p.batch_size,
      nEpochs: p.n_epochs,
      gamma: p.gamma,
      gaeLambda: p.gae_lambda,
      clipRange: p.clip_range,
      entCoefSchedule: p.ent_coef_schd,
      entCoef: p.ent_coef,
      minEntCoef: p.min_ent_coef,
      maxEntCoef: p.max_ent_coef,
      ...(p.target_kl === undefined ? {} : { targetKl: p.target_kl }),
      criticWarmupUpdates: p.critic_warmup_updates,
      cloneLabelSmoothing: p.clone_label_smoothing,
      // Only when set: a run with the default resolves (and hashes, run-settings.ts) as before the field existed.
      ...(p.clone_refit === 'full' ? {} : { cloneRefit: p.clone_refit }),
      teacherAnchorSteps: p.teacher_anchor_steps,
      netArch: { pi: p.net_arch.pi, vf: p.net_arch.vf },
    },
    actionCooldownSteps: t.action_mask.action_cooldown,
    patterns,
    budgetS: t.reconfig.budget,
    refreshPeriodS: t.reconfig.refresh * 60,
    reward: {
      q: r.Q,
      alpha: r.alpha,
      wTtft: r.w_ttft,
      wTpot: r.w_tpot,
      actionPenalty: r.gamma,
      scaling: r.scaling,
      clipping: r.clipping,
      useQualityBonus: r.use_quality_bonus,
      useAffinityBonus: r.use_affinity_bonus,
      affinityBonusWeight: r.affinity_bonus_weight,
    },
    ...(t.evaluation ? { evaluation: resolveEvaluation(t.evaluation) } : {}),
    idleRateReqS: t.time_features.idle_rate,
    // Absent when off, so a run without it hashes (run.json settings) exactly as before the option existed.
    ...(t.time_features.enabled
      ? {
          timeFeatures: {
            idleRateReqS: t.time_features.idle_rate,
            scaleS: t.time_features.scale,
            cap: t.time_features.cap,
          },
        }
      : {}),
  };
}

function resolveEvaluation(e: NonNullable<Parsed['evaluation']>): EvaluationConfig {
  return {
    episodes: e.episodes,
    ...(e.decisions === undefined ? {} : { decisions: e.decisions }),
    ...(e.seed === undefined ? {} : { seed: e.seed }),
    ...(e.start === undefined ? {} : { start: e.start }),
  };
}

/** Validates training config YAML text; `file` names it in messages. */
export function parseTrainingConfig(file: string, text: string): ResolvedTrainingConfig {
  return resolve(file, parseYamlConfig(file, text, trainingConfigSchema).training);
}

/** Reads and validates `configs/training_config.yaml`. */
export function loadTrainingConfig(file: string): ResolvedTrainingConfig {
  const text = readConfigText(file, 'check the path; the default is configs/training_config.yaml');
  return parseTrainingConfig(file, text);
}

/**
 * Checks that the training config covers the simulation's agents and instances: a Q value for every instance
 * any active agent can be served on, an α and a rate range in every pattern for every active agent.
 * `text` (the training YAML) lets messages carry line numbers.
 */
export function checkTrainingCoversSimulation(
  training: ResolvedTrainingConfig,
  sim: ResolvedSimulationConfig,
  text?: string,
): void {
  const err = configErrorAt(training.file, text);
  for (const agent of sim.agentsEnumOrder) {
    const q = training.reward.q[agent];
    if (!q)
      throw err(['training', 'reward', 'Q'], `no Q table for ${agent}`, `add training.reward.Q.${agent}`);
    for (const g of sim.cluster) {
      for (const prof of g.profileSet.profiles) {
        if (g.profileSet.unsupported.includes(prof.logical)) continue;
        if (q[prof.name] === undefined) {
          throw err(
            ['training', 'reward', 'Q', agent],
            `no Q value for ${prof.name} (${g.gpuModel}), where ${agent} can be served`,
            `add training.reward.Q.${agent}.${prof.name}`,
          );
        }
      }
    }
    if (training.reward.alpha[agent] === undefined) {
      throw err(
        ['training', 'reward', 'alpha'],
        `no alpha for ${agent}`,
        `add training.reward.alpha.${agent}: 1.0`,
      );
    }
    for (const name of PATTERN_NAMES) {
      if (!training.patterns[name].rateReqS[agent]) {
        throw err(
          ['training', 'patterns', name, 'rate'],
          `no request rate range for ${agent} in the ${name} pattern`,
          `add training.patterns.${name}.rate.${agent}: [low, high]`,
        );
      }
    }
  }
}
