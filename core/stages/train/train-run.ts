/**
 * One Maskable PPO training run of the MIG environment in a run directory, from configs to checkpoints: configs
 * (with overrides, read once by core/config's `readTrainingConfig`) → tfjs backend → MIG env (core/control) → PPO
 * trainer (core/rl). The train stage runs it in a child process (./train-child.ts): it is pure CPU/accelerator
 * work for minutes to days.
 *
 *   const result = await runTraining({
 *     trainingConfigPath: 'configs/training_config.yaml',
 *     simulationConfigPath: 'configs/simulation_config.yaml',
 *     overrides: { 'training.reward.affinity_bonus_weight': 0.1 },   // a grid trial's params, as expandGrid gives them
 *     runDir: 'artifacts/train/<runId>',
 *     resumeFrom: lastHeartbeat?.lastCheckpoint,                       // continue the same run after a crash
 *     onProgress: (p) => heartbeat(p),
 *     signal,
 *   });
 *
 * Run directory layout (all writes atomic):
 *   run.json                          run metadata: backend, seed, settings, start/resume history, totals
 *   snapshots/training_config.yaml    the training config with the overrides applied (what really ran)
 *   snapshots/simulation_config.yaml  copy of the simulation config
 *   checkpoints/rl_model_<N>_steps/   every `checkpointEverySteps` env steps (default 5120, the reference's cadence)
 *   checkpoints/final/                at the end; `best` points at the checkpoint with the best mean episode reward,
 *                                     or with `training.evaluation` on, the best held-out evaluation reward
 *   checkpoints/best.json             { checkpoint, criterion, meanEpisodeReward, evalReward?, evaluation? } of the
 *                                     best so far (evaluation: the start rule, trace seed, episodes and decisions
 *                                     its evalReward was measured under)
 *   logs/episodes.jsonl               one line per finished episode (steps, length, reward, 100-episode mean, actions)
 *   logs/eval.jsonl                   with `training.evaluation`: one line per evaluated checkpoint, each with the
 *                                     settings it ran under (./evaluation.ts)
 *   logs/updates.jsonl                one line per PPO update (losses, entropy, explained variance, lr, timings)
 *   logs/rollouts.jsonl               one line per rollout, before its update: choices the mask left, the policy's
 *                                     entropy and confidence on them, raw advantage and value-error sizes
 *   tensorboard/events.out.tfevents.* the same series under SB3's TensorBoard tags (rollout/*, train/*)
 *   logs/train/episode_<k>.jsonl      the reference's per-step log: action, budget, rates, engines per agent
 *   training-curve.png                episode reward, losses, entropy, explained variance
 *
 * Resume: `resumeFrom` (a checkpoint directory from this or another run dir) restores weights, Adam state,
 * normaliser statistics, RNG states, counters and what each environment carries across episodes (from a checkpoint
 * on an episode end the run continues bit for bit); the step counter continues from the checkpoint and training
 * stops at the configured total (`totalSteps` or `total_timesteps`), unlike the reference which trains another
 * full total on top. The evaluation history up to the checkpoint is kept, and a checkpoint left unevaluated (the
 * run stopped right after writing it) is evaluated first. A resume into the checkpoint's own run directory must
 * name the run's task, seed and settings (./run-settings.ts; only the step budget and cadence may change): another
 * one is refused before anything is written.
 *
 * Cancellation: when `signal` aborts, training stops at the next env step, writes a checkpoint of the state so
 * far and rejects with a `TrainingAbortedError` whose `checkpoint` is that checkpoint's path.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import {
  checkpointSteps,
  type EvalSettings,
  paramsSummary,
  type WarmStartTeacher,
} from '../../../contracts/index.js';
import {
  checkTrainingCoversSimulation,
  loadBenchConfig,
  loadSimulationConfig,
  loadTaskConfig,
  type ResolvedTrainingConfig,
  readConfigText,
  readTrainingConfig,
  taskSimulationOptions,
} from '../../config/index.js';
import { ConfigError } from '../../errors.js';
import {
  type CloneStats,
  checkpointPath,
  constantSchedule,
  describeBackend,
  type EpisodeRecord,
  InProcessVecEnv,
  linearSchedule,
  PpoTrainer,
  type RolloutRecord,
  readCheckpoint,
  SB3_PPO_DEFAULTS,
  selectTfBackend,
  steppedEntropySchedule,
  type TfBackendInfo,
  type TrainerConfig,
  type TrainerState,
  TrainingAbortedError,
  type UpdateRecord,
  VEC_NORMALIZE_DEFAULTS,
  type VecEnv,
  WARM_START_CLONE_DEFAULTS,
  writeCheckpoint,
} from '../../rl/index.js';
import { writeFileAtomic } from '../../util/index.js';
import { loadTokenTables, syntheticTokenTables } from '../../workload/index.js';
import { type CheckpointEvaluator, createCheckpointEvaluator, type EvalRecord } from './evaluation.js';
import { type RecordedRun, type RunSettings, refuseOtherSettings, runSettings } from './run-settings.js';
import { hparamsOf, ScalarEventWriter } from './tensorboard-events.js';
import { renderTrainingCurve } from './training-curve.js';
import { evalScalars, rolloutScalars, updateScalars } from './training-scalars.js';
import { createTrainEnv, episodeSeed, tokenTableSet } from './vec-env-host.js';
import { WorkerVecEnv } from './vec-env-workers.js';
import {
  checkIdleMergeClocks,
  cloneTeacher,
  type DaggerRound,
  DEFAULT_BENCH_CONFIG,
  DEFAULT_WARM_START_STEPS,
  DEMONSTRATIONS_FILE,
  decodeDemonstrations,
  encodeDemonstrations,
} from './warm-start.js';

/** The reference's CheckpointCallback cadence (save_freq = 5120 env steps). */
export const DEFAULT_CHECKPOINT_EVERY_STEPS = 5120;

/** Env steps between two progress reports that carry no event. */
const PROGRESS_EVERY_STEPS = 16;

/** What `onProgress` reports, at most once per finished episode, PPO update and checkpoint. */
export interface TrainingProgress {
  /** Env steps taken so far in this run (continues across resumes). */
  readonly steps: number;
  /** The step at which training stops. */
  readonly totalSteps: number;
  /** Episodes finished so far in this run (continues across resumes). */
  readonly episodes: number;
  /** Undiscounted reward sum of the last finished episode (raw env rewards, not normalised). */
  readonly lastEpisodeReward?: number;
  /** Mean of the last up-to-100 episode rewards (SB3's rollout/ep_rew_mean). */
  readonly meanEpisodeReward?: number;
  /** Directory of the newest checkpoint written, if any: a resume point. */
  readonly lastCheckpoint?: string;
  /** The tfjs backend in use: 'tensorflow' (tfjs-node / tfjs-node-gpu), 'wasm' or 'cpu'. */
  readonly backend: string;
  /** True when the backend runs on a GPU (tfjs-node-gpu with a visible device). */
  readonly gpu: boolean;
}

export interface RunTrainingOptions {
  /** The training config YAML (configs/training_config.yaml). */
  readonly trainingConfigPath: string;
  /** The simulation config YAML (configs/simulation_config.yaml). */
  readonly simulationConfigPath: string;
  /**
   * Values applied on top of the training YAML before validation, keyed by dotted path from the YAML root
   * (`'training.PPO.n_steps'`, `'training.reward.affinity_bonus_weight'`), exactly as a grid trial's `params`.
   * An unknown path is a ConfigError.
   */
  readonly overrides?: Readonly<Record<string, unknown>>;
  /** The run directory (created if absent). */
  readonly runDir: string;
  /** Env steps of the whole run; default the config's `total_timesteps`. */
  readonly totalSteps?: number;
  /** Seed of env, policy sampling, initial weights and minibatch shuffling; default 0. */
  readonly seed?: number;
  /** A checkpoint directory (`…/rl_model_<N>_steps`) to continue from. */
  readonly resumeFrom?: string;
  /** Checkpoint cadence in env steps; default 5120 (the reference's). */
  readonly checkpointEverySteps?: number;
  /**
   * Write the reference's per-step log (action, budget, rates, engines per agent) as
   * `logs/train/episode_<k>.jsonl`. Default true.
   */
  readonly stepLogs?: boolean;
  /** Seeded synthetic token lengths instead of the profiling stage's generated JSONLs. Default false. */
  readonly syntheticTokens?: boolean;
  /**
   * A task file of the suite (configs/tasks/<name>.yaml): every episode draws fresh traffic from the task's
   * workload instead of the training config's patterns. Default none.
   */
  readonly task?: string;
  /**
   * Clone this baseline into the policy before PPO starts (behaviour cloning on its decisions in the training
   * environment, ./warm-start.ts). Ignored on a resume: the checkpoint already holds the cloned and trained weights.
   */
  readonly warmStart?: WarmStartTeacher;
  /** The teacher's decisions to clone; default DEFAULT_WARM_START_STEPS. */
  readonly warmStartSteps?: number;
  /**
   * DAgger rounds after the first clone (default 0): each lets the clone drive for warmStartSteps decisions, labels
   * them with the teacher's, and refits on everything (./warm-start.ts).
   */
  readonly warmStartRounds?: number;
  /**
   * The bench config the warm-start teacher reads its settings from, and the held-out evaluation its trace settings
   * (default configs/bench_config.yaml; a task's own with a task).
   */
  readonly benchConfigPath?: string;
  /** Called on progress (see TrainingProgress). Must be cheap; it runs on the training loop. */
  readonly onProgress?: (p: TrainingProgress) => void;
  /** Informational log lines (backend choice, checkpoints); default none. */
  readonly log?: (line: string) => void;
  readonly signal?: AbortSignal;
}

export interface RunTrainingResult {
  readonly runDir: string;
  /** `checkpoints/final` — loadable by `loadPolicyForInference` and by `resumeFrom`. */
  readonly finalCheckpoint: string;
  /**
   * The checkpoint with the best held-out evaluation reward (with `training.evaluation`), else with the best mean
   * episode reward at save time; the final one when none was chosen.
   */
  readonly bestCheckpoint: string;
  /** What chose `bestCheckpoint`. */
  readonly bestBy: BestCriterion;
  /** `bestCheckpoint`'s held-out evaluation reward (bestBy eval_reward); what ranks trials against each other. */
  readonly evalReward?: number;
  /** What `evalReward` was measured under (start rule, trace seed, episodes, decisions). */
  readonly evaluation?: EvalSettings;
  /** Env steps at the end (= totalSteps). */
  readonly steps: number;
  readonly episodes: number;
  /** Mean of the last up-to-100 episode rewards; NaN when no episode finished. */
  readonly meanEpisodeReward: number;
  readonly backend: string;
  readonly gpu: boolean;
}

/** What to change when training diverges, with this config's values (appended to TrainingDivergedError). */
export function divergenceHint(training: ResolvedTrainingConfig): string {
  const p = training.ppo;
  return (
    `the usual causes are a learning rate too high (training.PPO.lr_max ${p.lrMax}, lr_min ${p.lrMin}: try 10× lower), ` +
    `rewards too large for the value head (training.reward.scaling ${training.reward.scaling}, ` +
    `training.sb3_norm ${training.sb3Norm}: turn sb3_norm on or scale rewards down) and a discount close to or above 1 ` +
    `(training.PPO.gamma ${p.gamma}, gae_lambda ${p.gaeLambda}) in ${training.file}`
  );
}

/** The trainer's settings from a resolved training config (the reference's MaskablePPO arguments). */
export function trainerConfigFrom(
  training: ResolvedTrainingConfig,
  totalSteps: number,
  seed: number,
): TrainerConfig {
  const p = training.ppo;
  return {
    nSteps: p.nSteps,
    gamma: p.gamma,
    gaeLambda: p.gaeLambda,
    ppo: {
      nEpochs: p.nEpochs,
      batchSize: p.batchSize,
      clipRange: p.clipRange,
      // The reference passes clip_range as clip_range_vf too.
      clipRangeVf: p.clipRange,
      ...SB3_PPO_DEFAULTS,
      ...(p.targetKl === undefined ? {} : { targetKl: p.targetKl }),
    },
    ...(p.criticWarmupUpdates > 0 ? { criticWarmupUpdates: p.criticWarmupUpdates } : {}),
    ...(p.teacherAnchorSteps > 0 ? { teacherAnchorSteps: p.teacherAnchorSteps } : {}),
    learningRate: p.lrMax === p.lrMin ? constantSchedule(p.lrMax) : linearSchedule(p.lrMax, p.lrMin),
    entCoef: p.entCoefSchedule
      ? steppedEntropySchedule(p.maxEntCoef, p.minEntCoef)
      : constantSchedule(p.entCoef),
    netArch: p.netArch,
    ...(training.sb3Norm ? { normalizer: VEC_NORMALIZE_DEFAULTS } : {}),
    totalSteps,
    seed,
    divergenceHint: divergenceHint(training),
  };
}

export { episodeSeed };

function readJsonl<T extends { steps: number }>(file: string, upToSteps: number): T[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T)
    .filter((r) => r.steps <= upToSteps);
}

const jsonl = (rows: readonly unknown[]) => rows.map((r) => `${JSON.stringify(r)}\n`).join('');

/** What checkpoints/best.json was chosen by: held-out evaluation reward, or mean training-episode reward. */
export type BestCriterion = 'eval_reward' | 'mean_episode_reward';

/** checkpoints/best.json. */
interface BestCheckpoint {
  checkpoint: string;
  criterion: BestCriterion;
  /** Mean of the last up-to-100 training episodes when it was saved; null before any episode ended. */
  meanEpisodeReward: number | null;
  /** Its held-out evaluation (criterion eval_reward). */
  evalReward?: number;
  evalSeeds?: readonly number[];
  evalDecisions?: number;
  /**
   * The settings evalReward was measured under (criterion eval_reward), so best.json files of two runs say whether
   * they were chosen under the same rule. Absent in files written before it was recorded, and when the best is an
   * eval.jsonl line of that age (a resume keeps such lines as they are: their start rule is not known).
   */
  evaluation?: EvalSettings;
}

/** A line of logs/eval.jsonl as read back: lines written before the settings were recorded lack `evaluation`. */
type StoredEvalRecord = Omit<EvalRecord, 'evaluation'> & { readonly evaluation?: EvalSettings };

interface RunMeta {
  runId: string;
  trainingConfig: string;
  simulationConfig: string;
  overrides: Readonly<Record<string, unknown>>;
  /** The task file whose traffic the episodes draw from; null = the training config's patterns. */
  task: string | null;
  seed: number;
  totalSteps: number;
  checkpointEverySteps: number;
  /** What the run trains with, compared on a resume into this folder (./run-settings.ts); absent before 2026-12-07. */
  settings?: RunSettings;
  backend?: TfBackendInfo;
  /** The baseline cloned into the policy before PPO started, and how well the clone matched it. */
  warmStart?: {
    teacher: WarmStartTeacher;
    steps: number;
    benchConfig: string;
    seconds: number;
    /** DAgger rounds (only when asked for): each round's share of decisions where the clone already did as the teacher. */
    rounds?: DaggerRound[];
  } & CloneStats;
  starts: { at: string; resumedFrom: string | null; steps: number; backend: string }[];
  finished?: {
    at: string;
    steps: number;
    episodes: number;
    finalCheckpoint: string;
    bestCheckpoint: string;
    bestBy: BestCriterion;
  };
}

/**
 * A start (fresh or resumed at `resumedAt` steps) replaces the timeline past its starting point: checkpoints
 * beyond it, the final checkpoint, best.json when it points past it, and the curve of an earlier finish go first,
 * so a kill at any later instant leaves a resumable run of one timeline, never an old final result beside new
 * checkpoints.
 */
function dropOtherTimeline(runDir: string, ckDir: string, resumedAt: number, resumeFrom?: string): void {
  const keep = resumeFrom ? resolve(resumeFrom) : undefined;
  for (const name of readdirSync(ckDir)) {
    const path = join(ckDir, name);
    const steps = checkpointSteps(name);
    // A fresh run (no resume) keeps none: even a step-0 clone belongs to the earlier run.
    if (path !== keep && (name === 'final' || (steps !== null && (steps > resumedAt || !resumeFrom)))) {
      rmSync(path, { recursive: true, force: true });
    }
  }
  const bestFile = join(ckDir, 'best.json');
  if (existsSync(bestFile)) {
    let bestSteps: number | null = null;
    try {
      bestSteps = checkpointSteps(
        (JSON.parse(readFileSync(bestFile, 'utf8')) as { checkpoint: string }).checkpoint,
      );
    } catch {
      bestSteps = null;
    }
    if (bestSteps === null || bestSteps > resumedAt) rmSync(bestFile, { force: true });
  }
  rmSync(join(runDir, 'training-curve.png'), { force: true });
}

function bestByEval(
  checkpoint: string,
  e: StoredEvalRecord,
  meanEpisodeReward: number | null,
): BestCheckpoint {
  return {
    checkpoint,
    criterion: 'eval_reward',
    meanEpisodeReward,
    evalReward: e.meanReward,
    evalSeeds: e.seeds,
    evalDecisions: e.decisions,
    ...(e.evaluation ? { evaluation: e.evaluation } : {}),
  };
}

/**
 * A resume into a run directory continues that run, so it draws from the run's traffic: on another task (or none)
 * it would train on other traffic under the same history (run.json, logs, best checkpoint). Continuing a policy on
 * other traffic is a new run in a folder of its own.
 */
function refuseOtherTask(metaFile: string, recorded: Partial<RunMeta>, task: string | undefined): void {
  const was = recorded.task ?? null;
  const now = task ?? null;
  if ((was === null ? null : resolve(was)) === (now === null ? null : resolve(now))) return;
  throw new ConfigError(
    metaFile,
    'task',
    `the run trained ${was === null ? 'on the training config’s patterns' : `on the task ${was}`}, but this resume ${now === null ? 'names no task' : `names the task ${now}`}`,
    `${was === null ? 'resume without a task' : `resume with that task (migflow train --task ${was})`}, or resume into a new folder (--out) to continue the policy on other traffic`,
  );
}

/** Trains one Maskable PPO policy on the MIG environment; see the module doc. */
export async function runTraining(o: RunTrainingOptions): Promise<RunTrainingResult> {
  const log = o.log ?? (() => {});
  const runDir = resolve(o.runDir);
  const { training, yaml } = readTrainingConfig(o.trainingConfigPath, o.overrides);
  // A task's simulation overlay (e.g. hard's long-context model) is part of the cluster its episodes run on.
  const simulation = loadSimulationConfig(
    o.simulationConfigPath,
    taskSimulationOptions(o.task ? loadTaskConfig(o.task) : undefined),
  );
  checkTrainingCoversSimulation(training, simulation);
  const seed = o.seed ?? 0;
  const totalSteps = o.totalSteps ?? training.totalTimesteps;
  const every = o.checkpointEverySteps ?? DEFAULT_CHECKPOINT_EVERY_STEPS;
  for (const [field, steps] of [
    ['totalSteps', totalSteps],
    ['checkpointEverySteps', every],
  ] as const) {
    if (!Number.isInteger(steps) || steps < 1) {
      throw new ConfigError('options', field, `is ${steps}`, 'give a positive whole number of env steps');
    }
  }
  const nEnvs = training.ppo.nEnvs;
  if (totalSteps % nEnvs !== 0) {
    throw new ConfigError(
      'options',
      'totalSteps',
      `${totalSteps} env steps cannot be shared by ${nEnvs} environments (training.PPO.n_envs)`,
      `give a multiple of ${nEnvs}, e.g. ${Math.ceil(totalSteps / nEnvs) * nEnvs}`,
    );
  }
  const resume = o.resumeFrom ? readCheckpoint(o.resumeFrom) : undefined;
  const metaFile = join(runDir, 'run.json');
  // What the run recorded before this start, read once: a resume into its folder must train as it did. The task is
  // checked first, before the task's own files are read; the other settings once they are known (below).
  const previous: RunMeta | undefined = existsSync(metaFile)
    ? (JSON.parse(readFileSync(metaFile, 'utf8')) as RunMeta)
    : undefined;
  if (resume && previous) refuseOtherTask(metaFile, previous, o.task);
  const warmStartSteps = o.warmStartSteps ?? DEFAULT_WARM_START_STEPS;
  const warmStartRounds = o.warmStartRounds ?? 0;
  if (o.warmStart && (!Number.isInteger(warmStartRounds) || warmStartRounds < 0)) {
    throw new ConfigError(
      'options',
      'warmStartRounds',
      `is ${warmStartRounds}`,
      'give a whole number of DAgger rounds, 0 or more',
    );
  }
  if (o.warmStart && (!Number.isInteger(warmStartSteps) || warmStartSteps < 1)) {
    throw new ConfigError(
      'options',
      'warmStartSteps',
      `is ${warmStartSteps}`,
      'give a positive whole number of decisions',
    );
  }
  const p = training.ppo;
  // The teacher anchor's demonstrations: cloned now, or on a resume those the run wrote beside its checkpoints.
  const anchorFile = resume
    ? join(dirname(dirname(resolve(o.resumeFrom!))), DEMONSTRATIONS_FILE)
    : join(runDir, DEMONSTRATIONS_FILE);
  if (p.teacherAnchorSteps > 0 && (resume ? !existsSync(anchorFile) : !o.warmStart)) {
    throw new ConfigError(
      o.trainingConfigPath,
      'training.PPO.teacher_anchor_steps',
      `is ${p.teacherAnchorSteps}, but ${resume ? `the checkpoint's run has no warm-start demonstrations (${anchorFile})` : 'the run has no warm start'}`,
      resume
        ? 'resume a run that was started with the anchor, or resume with --set training.PPO.teacher_anchor_steps=0'
        : 'start the run with --warm-start <baseline>, or set training.PPO.teacher_anchor_steps to 0',
    );
  }
  if (p.cloneLabelSmoothing > 0 && !o.warmStart) {
    throw new ConfigError(
      o.trainingConfigPath,
      'training.PPO.clone_label_smoothing',
      `is ${p.cloneLabelSmoothing}, but the run has no warm start to clone`,
      'start the run with --warm-start <baseline>, or set training.PPO.clone_label_smoothing to 0',
    );
  }
  if (p.cloneRefit && !o.warmStart) {
    throw new ConfigError(
      o.trainingConfigPath,
      'training.PPO.clone_refit',
      `is ${p.cloneRefit}, but the run has no warm start to refit`,
      'start the run with --warm-start <baseline> --warm-start-rounds N, or leave training.PPO.clone_refit at full',
    );
  }
  const tokens = o.syntheticTokens ? syntheticTokenTables(seed) : loadTokenTables(simulation);
  const task = o.task ? loadTaskConfig(o.task) : undefined;
  const teacherBenchFile = task?.bench.file ?? o.benchConfigPath ?? DEFAULT_BENCH_CONFIG;
  // Read (and validated) before anything is written, and only when a teacher will run.
  const teacherBench =
    o.warmStart && !resume ? (task?.bench ?? loadBenchConfig(teacherBenchFile)) : undefined;
  if (teacherBench && o.warmStart === 'idle_merge') checkIdleMergeClocks(training, o.trainingConfigPath);

  // Reads the bench/task settings and generates the held-out traces now: a bad value fails before anything is written.
  const evaluator: CheckpointEvaluator | undefined = training.evaluation
    ? createCheckpointEvaluator({
        evaluation: training.evaluation,
        trainingConfig: o.trainingConfigPath,
        training,
        simulationConfig: o.simulationConfigPath,
        benchConfig: o.benchConfigPath ?? DEFAULT_BENCH_CONFIG,
        ...(o.task ? { task: o.task } : {}),
        syntheticTokens: o.syntheticTokens ?? false,
      })
    : undefined;

  const settings = await runSettings({
    training,
    simulationConfigPath: o.simulationConfigPath,
    task,
    syntheticTokens: o.syntheticTokens ?? false,
    warmStart: o.warmStart
      ? { teacher: o.warmStart, steps: warmStartSteps, rounds: warmStartRounds }
      : undefined,
    benchConfigPath: o.benchConfigPath ?? DEFAULT_BENCH_CONFIG,
  });
  // After the checks above, whose messages name a missing bench or task file better than a hash would.
  if (resume && previous) {
    refuseOtherSettings(metaFile, previous as RecordedRun, { seed, overrides: o.overrides ?? {}, settings });
  }
  const backend = await selectTfBackend();
  log(
    `tfjs backend: ${describeBackend(backend)}${backend.skipped.length ? ` (skipped: ${backend.skipped.join('; ')})` : ''}`,
  );

  const ckDir = join(runDir, 'checkpoints');
  const logsDir = join(runDir, 'logs');
  const stepLogDir = join(logsDir, 'train');
  mkdirSync(ckDir, { recursive: true });
  mkdirSync(stepLogDir, { recursive: true });
  dropOtherTimeline(runDir, ckDir, resume?.meta.steps ?? 0, o.resumeFrom);
  writeFileAtomic(join(runDir, 'snapshots', 'training_config.yaml'), yaml);
  writeFileAtomic(
    join(runDir, 'snapshots', 'simulation_config.yaml'),
    readConfigText(o.simulationConfigPath, 'check the path'),
  );

  const stepLogs = o.stepLogs ?? true;
  const criterion: BestCriterion = evaluator ? 'eval_reward' : 'mean_episode_reward';

  const episodesFile = join(logsDir, 'episodes.jsonl');
  const updatesFile = join(logsDir, 'updates.jsonl');
  const resumedAt = resume?.meta.steps ?? 0;
  // Lines written after the checkpoint belong to a timeline that the resume replaces.
  const episodes: EpisodeRecord[] = resume ? readJsonl<EpisodeRecord>(episodesFile, resumedAt) : [];
  const updates: UpdateRecord[] = resume ? readJsonl<UpdateRecord>(updatesFile, resumedAt) : [];
  const rolloutsFile = join(logsDir, 'rollouts.jsonl');
  const rollouts: RolloutRecord[] = resume ? readJsonl<RolloutRecord>(rolloutsFile, resumedAt) : [];
  const evalFile = join(logsDir, 'eval.jsonl');
  const evals: StoredEvalRecord[] =
    resume && evaluator ? readJsonl<StoredEvalRecord>(evalFile, resumedAt) : [];
  writeFileAtomic(episodesFile, jsonl(episodes));
  writeFileAtomic(updatesFile, jsonl(updates));
  writeFileAtomic(rolloutsFile, jsonl(rollouts));
  // A fresh start's demonstrations are its own clone's (written after cloning, with the anchor on).
  if (!resume) rmSync(join(runDir, DEMONSTRATIONS_FILE), { force: true });
  if (evaluator) writeFileAtomic(evalFile, jsonl(evals));
  else rmSync(evalFile, { force: true });
  // TensorBoard: a fresh event file per start, replaying the kept history (an older file may hold steps past the
  // checkpoint this run resumed from, so it goes).
  const tensorboardDir = join(runDir, 'tensorboard');
  rmSync(tensorboardDir, { recursive: true, force: true });
  const tensorboard = new ScalarEventWriter(tensorboardDir);
  // The HParams tab compares runs by these values (their last scalars are its metrics).
  tensorboard.writeHparams(hparamsOf(o.overrides ?? {}, { seed }));
  for (const u of updates) tensorboard.write(updateScalars(u, episodes, updates, training.ppo.clipRange));
  for (const e of evals) tensorboard.write(evalScalars(e));
  for (const r of rollouts) tensorboard.write(rolloutScalars(r));

  const runMeta: RunMeta = {
    runId: basename(runDir),
    trainingConfig: o.trainingConfigPath,
    simulationConfig: o.simulationConfigPath,
    overrides: o.overrides ?? {},
    task: o.task ?? null,
    seed,
    totalSteps,
    checkpointEverySteps: every,
    settings,
    backend,
    // A resume does not clone again: the record of the clone the run started from stays.
    ...(resume && previous?.warmStart ? { warmStart: previous.warmStart } : {}),
    starts: [
      ...(previous?.starts ?? []),
      {
        at: new Date().toISOString(),
        resumedFrom: o.resumeFrom ?? null,
        steps: resumedAt,
        backend: backend.backend,
      },
    ],
  };
  writeFileAtomic(metaFile, `${JSON.stringify(runMeta, null, 2)}\n`);

  let lastCheckpoint: string | undefined = o.resumeFrom;
  const bestFile = join(ckDir, 'best.json');
  let best: BestCheckpoint | undefined = existsSync(bestFile)
    ? (JSON.parse(readFileSync(bestFile, 'utf8')) as BestCheckpoint)
    : undefined;
  // The run folder may have been restored on another host (a snapshot from the store): the same checkpoint here.
  if (best) best = { ...best, checkpoint: join(ckDir, basename(best.checkpoint)) };
  if (best && (checkpointSteps(best.checkpoint) ?? 0) > resumedAt) best = undefined;
  // Chosen by another criterion (a resume that turned evaluation on or off; best.json before criteria): start over.
  if (best && (best.criterion ?? 'mean_episode_reward') !== criterion) best = undefined;
  // With evaluation the kept history decides (best.json may have pointed past the resume point while an earlier
  // evaluation, still kept, was the best before it).
  if (evaluator && evals.length > 0) {
    const top = evals.reduce((a, b) => (b.meanReward > a.meanReward ? b : a));
    const ended = episodes.filter((e) => e.steps <= top.steps).at(-1);
    best = bestByEval(join(ckDir, top.checkpoint), top, ended?.meanReward100 ?? null);
    writeFileAtomic(bestFile, `${JSON.stringify(best, null, 2)}\n`);
  } else if (evaluator) best = undefined;

  // Each environment's step-log lines of its running episode; written out as the episode's file when it ends.
  const stepLines: string[][] = Array.from({ length: nEnvs }, () => []);

  // Environments start last: nothing may throw between their start and the try that closes them.
  const env: VecEnv =
    nEnvs === 1
      ? new InProcessVecEnv([
          createTrainEnv({
            simulation,
            training,
            tokens,
            runSeed: seed,
            envIndex: 0,
            stepLogs,
            ...(task ? { task } : {}),
          }),
        ])
      : await WorkerVecEnv.start(
          Array.from({ length: nEnvs }, (_, envIndex) => ({
            trainingConfigFile: training.file,
            trainingConfigYaml: yaml,
            simulationConfigFile: o.simulationConfigPath,
            simulationConfigYaml: readConfigText(o.simulationConfigPath, 'check the path'),
            tokenTables: tokenTableSet(simulation, tokens),
            runSeed: seed,
            envIndex,
            stepLogs,
            ...(task ? { task } : {}),
          })),
        );
  let trainer: PpoTrainer;
  try {
    trainer = new PpoTrainer(env, trainerConfigFrom(training, totalSteps, seed), {
      onStep: (s) => {
        if (s.log !== undefined) {
          const lines = stepLines[s.env]!;
          lines.push(JSON.stringify(s.log));
          if (s.terminated) {
            writeFileAtomic(join(stepLogDir, `episode_${s.episode}.jsonl`), `${lines.join('\n')}\n`);
            lines.length = 0;
          }
        }
        if (s.steps % PROGRESS_EVERY_STEPS === 0) report();
      },
      onEpisode: (e) => {
        episodes.push(e);
        appendLine(episodesFile, e);
        report(e.reward);
      },
      onUpdate: (u) => {
        updates.push(u);
        appendLine(updatesFile, u);
        tensorboard.write(updateScalars(u, episodes, updates, training.ppo.clipRange));
        report();
      },
      onRollout: (r) => {
        appendLine(rolloutsFile, r);
        tensorboard.write(rolloutScalars(r));
      },
      // A checkpoint each time the step count crosses a multiple of the cadence (several environments step by n_envs).
      checkpointDue: (steps, before) =>
        Math.floor(steps / every) > Math.floor(before / every) || steps === totalSteps,
      saveCheckpoint: (state) => save(state, checkpointPath(ckDir, state.meta.steps)),
    });
  } catch (err) {
    await env.close();
    throw err;
  }

  function appendLine(file: string, row: unknown): void {
    // Whole lines in one write; a crash can lose the last line, which the resume then rewrites.
    writeFileAtomic(file, `${readFileSync(file, 'utf8')}${JSON.stringify(row)}\n`);
  }

  function report(lastEpisodeReward?: number): void {
    const mean = trainer.meanRecentReward;
    const p: TrainingProgress = {
      steps: trainer.steps,
      totalSteps,
      episodes: trainer.episodes,
      ...(lastEpisodeReward !== undefined
        ? { lastEpisodeReward }
        : episodes.length
          ? { lastEpisodeReward: episodes.at(-1)!.reward }
          : {}),
      ...(Number.isFinite(mean) ? { meanEpisodeReward: mean } : {}),
      ...(lastCheckpoint ? { lastCheckpoint } : {}),
      backend: backend.backend,
      gpu: backend.gpu,
    };
    o.onProgress?.(p);
  }

  function save(state: TrainerState, target: string): string {
    writeCheckpoint(target, state, {
      trainingConfigYaml: yaml,
      backend: backend.backend,
      // The observation the policy sees travels with it: its bench builds the same vector.
      ...(training.timeFeatures ? { timeFeatures: training.timeFeatures } : {}),
    });
    if (basename(target) !== 'final') {
      lastCheckpoint = target;
      log(`checkpoint ${target}`);
      if (!evaluator) {
        const mean = trainer.meanRecentReward;
        if (Number.isFinite(mean) && (!best || mean > (best.meanEpisodeReward ?? Number.NEGATIVE_INFINITY))) {
          setBest({ checkpoint: target, criterion, meanEpisodeReward: mean });
        }
        // A stop checkpoint is evaluated when the run resumes from it: the stop must not wait for a trial.
      } else if (!o.signal?.aborted) evaluate(target, state.meta.steps);
      report();
    }
    return target;
  }

  function evaluate(checkpoint: string, steps: number): void {
    const e = evaluator!.evaluate(checkpoint, steps);
    evals.push(e);
    appendLine(evalFile, e);
    tensorboard.write(evalScalars(e));
    log(
      `eval ${e.checkpoint}: reward ${e.meanReward.toFixed(2)} over ${e.decisions} decisions on trace seed(s) ${e.seeds.join(', ')}, start ${e.evaluation.start} (${e.seconds.toFixed(1)} s)`,
    );
    if (!best || e.meanReward > best.evalReward!) {
      const mean = trainer.meanRecentReward;
      setBest(bestByEval(checkpoint, e, Number.isFinite(mean) ? mean : null));
    }
  }

  function setBest(b: BestCheckpoint): void {
    best = b;
    writeFileAtomic(bestFile, `${JSON.stringify(best, null, 2)}\n`);
  }

  try {
    if (resume) {
      const m = resume.meta;
      const arch = training.ppo.netArch;
      const savedEnvs = (m.trainer as { nEnvs?: number }).nEnvs ?? 1;
      if (savedEnvs !== nEnvs) {
        throw new ConfigError(
          o.resumeFrom!,
          'training.PPO.n_envs',
          `the checkpoint was trained with ${savedEnvs} environment(s), this run has ${nEnvs}`,
          `resume with n_envs ${savedEnvs} (its rollout buffer and per-environment state hold that many)`,
        );
      }
      if (
        m.obsSize !== env.observationLength ||
        m.actionCount !== env.actionCount ||
        JSON.stringify(m.netArch) !== JSON.stringify({ pi: arch.pi, vf: arch.vf }) ||
        Boolean(m.normalizer) !== training.sb3Norm
      ) {
        throw new ConfigError(
          o.resumeFrom!,
          'obsSize/actionCount/netArch/sb3_norm',
          `the checkpoint has ${m.obsSize} observations, ${m.actionCount} actions, net ${JSON.stringify(m.netArch)}, normaliser ${Boolean(m.normalizer)}; this config gives ${env.observationLength}, ${env.actionCount}, ${JSON.stringify(arch)}, ${training.sb3Norm}`,
          'resume with the configs the checkpoint was trained with (its run directory has them under snapshots/)',
        );
      }
      trainer.restoreState(m, resume.tensors);
      if (training.ppo.teacherAnchorSteps > 0) {
        trainer.restoreDemonstrations(decodeDemonstrations(readFileSync(anchorFile), anchorFile));
      }
      log(`resumed from ${o.resumeFrom} at step ${m.steps} of ${totalSteps}`);
      // A checkpoint of this run whose evaluation the stop (or a kill) cut off.
      if (evaluator && resolve(dirname(o.resumeFrom!)) === ckDir && !evals.some((e) => e.steps === m.steps)) {
        evaluate(resolve(o.resumeFrom!), m.steps);
      }
    } else if (o.warmStart && teacherBench) {
      const started = performance.now();
      const teacherRun = {
        teacher: o.warmStart,
        simulation,
        training,
        bench: teacherBench,
        tokens,
        runSeed: seed,
        steps: warmStartSteps,
        ...(task ? { task } : {}),
      };
      const { stats, first, rounds } = cloneTeacher(trainer, teacherRun, {
        ...WARM_START_CLONE_DEFAULTS,
        ...(training.ppo.cloneLabelSmoothing > 0 ? { labelSmoothing: training.ppo.cloneLabelSmoothing } : {}),
        seed,
        rounds: warmStartRounds,
        scaledRefit: training.ppo.cloneRefit === 'scaled',
        log,
      });
      const seconds = (performance.now() - started) / 1000;
      runMeta.warmStart = {
        teacher: o.warmStart,
        steps: warmStartSteps,
        benchConfig: teacherBenchFile,
        seconds,
        ...first,
        ...stats,
        ...(warmStartRounds > 0 ? { rounds } : {}),
      };
      writeFileAtomic(metaFile, `${JSON.stringify(runMeta, null, 2)}\n`);
      // The teacher anchor's rows, for a resume (a fresh run's earlier file goes: it belongs to another clone).
      if (training.ppo.teacherAnchorSteps > 0) {
        mkdirSync(dirname(anchorFile), { recursive: true });
        writeFileAtomic(anchorFile, encodeDemonstrations(trainer.clonedDemonstrations()!));
      }
      // The clone as it is before any PPO update, so it can be benched against its teacher and the trained policy.
      save(trainer.exportState(), checkpointPath(ckDir, 0));
      log(
        `warm start: cloned ${o.warmStart} on ${stats.samples} decisions in ${seconds.toFixed(1)} s (agreement ${(100 * stats.accuracy).toFixed(1)} %, cross-entropy ${stats.lossBefore.toFixed(3)} → ${stats.lossAfter.toFixed(3)})`,
      );
    }
    report();
    await trainer.learn(o.signal);
    const state = trainer.exportState();
    if (!existsSync(checkpointPath(ckDir, trainer.steps))) save(state, checkpointPath(ckDir, trainer.steps));
    const finalCheckpoint = save(state, join(ckDir, 'final'));
    const bestCheckpoint = best?.checkpoint ?? finalCheckpoint;
    await renderCurve();
    const mean = trainer.meanRecentReward;
    runMeta.finished = {
      at: new Date().toISOString(),
      steps: trainer.steps,
      episodes: trainer.episodes,
      finalCheckpoint,
      bestCheckpoint,
      bestBy: criterion,
    };
    writeFileAtomic(metaFile, `${JSON.stringify(runMeta, null, 2)}\n`);
    tensorboard.writeSessionEnd('success', trainer.steps);
    report();
    return {
      runDir,
      finalCheckpoint,
      bestCheckpoint,
      bestBy: criterion,
      ...(best?.evalReward !== undefined ? { evalReward: best.evalReward } : {}),
      ...(best?.evaluation ? { evaluation: best.evaluation } : {}),
      steps: trainer.steps,
      episodes: trainer.episodes,
      meanEpisodeReward: mean,
      backend: backend.backend,
      gpu: backend.gpu,
    };
  } catch (err) {
    if (err instanceof TrainingAbortedError) {
      await renderCurve().catch(() => {});
      report();
    }
    throw err;
  } finally {
    trainer.dispose();
    await trainer.close();
  }

  async function renderCurve(): Promise<void> {
    await renderTrainingCurve(
      episodes,
      updates,
      // Named by what the run changed (a grid trial's values), the run directory when nothing.
      `migflow training ${paramsSummary(o.overrides ?? {}, 60) || basename(runDir)} (${describeBackend(backend)})`,
      join(runDir, 'training-curve.png'),
    );
  }
}
