/**
 * Warm start: a baseline (the teacher) drives an environment of the training run for a number of decisions, and
 * its (observation, mask, action) rows become the demonstrations the PPO policy is cloned from before PPO starts
 * (core/rl's `PpoTrainer.warmStart`). The environment is the run's own kind — same configs, task, token tables,
 * random starting layouts — on a stream of its own, so the PPO environments draw exactly what they draw without
 * a warm start.
 */

import { join } from 'node:path';
import type { WarmStartTeacher } from '../../../contracts/index.js';
import type {
  ResolvedBenchConfig,
  ResolvedSimulationConfig,
  ResolvedTask,
  ResolvedTrainingConfig,
} from '../../config/index.js';
import { BASELINE_POLICIES, layoutReachingPolicy, type PolicyContext } from '../../control/index.js';
import { ConfigError } from '../../errors.js';
import type { CloneOptions, CloneStats, Demonstrations, PpoTrainer } from '../../rl/index.js';
import { createTrainEnv, type TokenTables } from './vec-env-host.js';

/**
 * The teacher's environment index: its episodes are seeded like environment 2¹⁶ of the run, far past any
 * `n_envs`, so they never coincide with a PPO environment's.
 */
export const WARM_START_ENV_INDEX = 1 << 16;

/** The bench config a teacher reads its settings from when none is given. */
export const DEFAULT_BENCH_CONFIG = 'configs/bench_config.yaml';

/**
 * Teacher decisions cloned by default: eight episodes of the shipped config. Measured on the default bench trace with
 * a [64, 64] actor, the clone took the heuristic's decision on 90.3 % of its decisions after 4096 demonstrations and
 * 91.2 % after 8192 (98–99 % on the demonstrations themselves: the gap is the bench's traffic, not the fit).
 */
export const DEFAULT_WARM_START_STEPS = 8192;

export interface TeacherRunOptions {
  readonly teacher: WarmStartTeacher;
  readonly simulation: ResolvedSimulationConfig;
  readonly training: ResolvedTrainingConfig;
  /** Heuristic thresholds, QAS curves (a task's bench config with a task). */
  readonly bench: ResolvedBenchConfig;
  readonly tokens: TokenTables;
  readonly runSeed: number;
  /** Decisions to record. */
  readonly steps: number;
  readonly task?: ResolvedTask;
  /**
   * DAgger: the clone acts, the teacher only labels. Cloned on its teacher's own trajectories, a policy that misses
   * one of the rare splits or merges drifts into states its teacher never showed it (on `hard`, the QAS clone agreed
   * 99.5 % with QAS and still served 35× worse); the teacher's decisions on the states the clone reaches teach it
   * the way back. Absent = the teacher drives.
   */
  readonly student?: (observation: Float32Array, mask: Uint8Array) => number;
  /** DAgger round (0 = the teacher's own run): each round draws episodes of its own. */
  readonly round?: number;
}

/**
 * idle_merge times its merges by the observation's idle clock (core/control/policies/idle-merge.ts). Without the
 * clocks in the observation its clone would see none of what it decides on and could only guess when to split back:
 * refused before anything runs. (Both read the one idle rate, training.time_features.idle_rate.)
 */
export function checkIdleMergeClocks(training: ResolvedTrainingConfig, trainingConfigPath: string): void {
  if (!training.timeFeatures) {
    throw new ConfigError(
      trainingConfigPath,
      'training.time_features.enabled',
      'is false, but the warm-start teacher idle_merge times its merges by the idle clock, which only that option puts in the observation',
      'set training.time_features.enabled: true (or --set training.time_features.enabled=true), or warm-start from another baseline',
    );
  }
}

/**
 * Runs the teacher for `steps` decisions and returns its decisions with the raw observations they were made on; with
 * a student driving, also how many of its decisions were the teacher's.
 */
export function teacherDemonstrations(
  o: TeacherRunOptions,
): Demonstrations & { readonly studentAgreed?: number } {
  const factory = BASELINE_POLICIES[o.teacher];
  if (!factory) throw new Error(`warm start: no baseline named ${o.teacher}`);
  // A static teacher first reaches its layout from the run's random one (core/control's layoutReachingPolicy).
  const teacher = layoutReachingPolicy(factory());
  const env = createTrainEnv({
    simulation: o.simulation,
    training: o.training,
    tokens: o.tokens,
    runSeed: o.runSeed,
    envIndex: WARM_START_ENV_INDEX + (o.round ?? 0),
    stepLogs: false,
    ...(o.task ? { task: o.task } : {}),
  });
  const obsSize = env.observationLength;
  const actionCount = env.actionCount;
  const observations = new Float32Array(o.steps * obsSize);
  const masks = new Uint8Array(o.steps * actionCount);
  const actions = new Int32Array(o.steps);
  let resets = 0;
  let observation = env.reset(resets++).observation;
  let episodeStep = 0;
  let studentAgreed = 0;
  for (let k = 0; k < o.steps; k++) {
    const mask = env.actionMasks();
    const context: PolicyContext = {
      cluster: env.env.sim,
      simulation: o.simulation,
      training: o.training,
      bench: o.bench,
      step: episodeStep,
      seed: o.runSeed,
    };
    const action = teacher.decide(observation, mask, context);
    observations.set(observation, k * obsSize);
    masks.set(mask, k * actionCount);
    actions[k] = action;
    const driven = o.student ? o.student(observation, mask) : action;
    if (driven === action) studentAgreed++;
    const r = env.step(driven);
    teacher.learn?.(r.reward);
    episodeStep++;
    if (r.terminated || r.truncated) {
      observation = env.reset(resets++).observation;
      episodeStep = 0;
    } else {
      observation = r.observation;
    }
  }
  return { observations, masks, actions, count: o.steps, ...(o.student ? { studentAgreed } : {}) };
}

/**
 * Epochs of a DAgger refit on `total` rows of which `added` are new: `epochs × added / total`, rounded up, so each
 * refit makes about as many sample passes as the first fit (`epochs` over the teacher's own rows) rather than
 * `epochs` over every row so far, whose cost grows with every round. The refit fine-tunes the clone, which already
 * fits the earlier rows; it fits them less closely than `epochs` full passes do (training.PPO.clone_refit's
 * description has the measured cost).
 */
export function daggerRefitEpochs(epochs: number, added: number, total: number): number {
  return Math.max(1, Math.ceil((epochs * added) / total));
}

/** Wall seconds of a cloning phase: running the environment (teacher, or student driving) and fitting. */
export interface CloneSeconds {
  readonly driveSeconds: number;
  readonly fitSeconds: number;
}

/** One DAgger round: the refit's statistics and how often the clone, driving, already took the teacher's decision. */
export type DaggerRound = { readonly agreementWhileDriving: number } & CloneStats & CloneSeconds;

/**
 * Clones the teacher into the trainer's policy: on the teacher's own run, then `rounds` DAgger rounds in which the
 * clone drives and the teacher labels, each refitting on every row so far (for `epochs` epochs, or `daggerRefitEpochs` with `scaledRefit`).
 */
export function cloneTeacher(
  trainer: Pick<PpoTrainer, 'warmStart' | 'decide'>,
  run: TeacherRunOptions,
  o: CloneOptions & {
    readonly rounds: number;
    /** Refit for `daggerRefitEpochs` epochs instead of `epochs` (training.PPO.clone_refit: scaled). */
    readonly scaledRefit?: boolean;
    readonly log: (line: string) => void;
  },
): { stats: CloneStats; first: CloneSeconds; rounds: DaggerRound[] } {
  const clone = {
    epochs: o.epochs,
    batchSize: o.batchSize,
    learningRate: o.learningRate,
    ...(o.labelSmoothing === undefined ? {} : { labelSmoothing: o.labelSmoothing }),
  };
  const seconds = (from: number) => (performance.now() - from) / 1000;
  let at = performance.now();
  const own = teacherDemonstrations(run);
  const driveSeconds = seconds(at);
  at = performance.now();
  let stats = trainer.warmStart(own, { ...clone, seed: o.seed });
  const first = { driveSeconds, fitSeconds: seconds(at) };
  let total = own.count;
  const rounds: DaggerRound[] = [];
  for (let round = 1; round <= o.rounds; round++) {
    at = performance.now();
    const demos = teacherDemonstrations({
      ...run,
      round,
      student: (observation, mask) => trainer.decide(observation, mask),
    });
    // How often the clone, driving, already took its teacher's decision: counted as it drove, on the very
    // observations and statistics a pass over the rows before the refit would see (decide() adds none).
    const agreed = demos.studentAgreed!;
    const driveSeconds = seconds(at);
    at = performance.now();
    // `scaled` (training.PPO.clone_refit): the refit starts from the clone, which already fits the earlier rows,
    // and makes about the first fit's sample passes; `full`: `epochs` passes over every row so far.
    total += demos.count;
    const epochs = o.scaledRefit ? daggerRefitEpochs(o.epochs, demos.count, total) : o.epochs;
    stats = trainer.warmStart(demos, { ...clone, epochs, seed: o.seed + round });
    rounds.push({
      agreementWhileDriving: agreed / demos.count,
      ...stats,
      driveSeconds,
      fitSeconds: seconds(at),
    });
    o.log(
      `warm start: DAgger round ${round}: the clone drove ${demos.count} decisions and took ${run.teacher}'s on ${(100 * rounds.at(-1)!.agreementWhileDriving).toFixed(1)} %; refitted on ${stats.samples} for ${stats.epochs} epochs (agreement ${(100 * stats.accuracy).toFixed(1)} %)`,
    );
  }
  return { stats, first, rounds };
}

/** Where a run keeps its demonstrations for the teacher anchor (training.PPO.teacher_anchor_steps) to resume with. */
export const DEMONSTRATIONS_FILE = join('warm-start', 'demonstrations.bin');

/**
 * The demonstrations as one binary file: a header of three uint32 (count, observation length, action count), then the
 * float32 observations, the int32 actions and the uint8 masks, little-endian as the platform's typed arrays are.
 */
export function encodeDemonstrations(d: Demonstrations): Uint8Array {
  const obsSize = d.observations.length / d.count;
  const actionCount = d.masks.length / d.count;
  const out = new Uint8Array(12 + 4 * d.observations.length + 4 * d.count + d.masks.length);
  new Uint32Array(out.buffer, 0, 3).set([d.count, obsSize, actionCount]);
  out.set(new Uint8Array(d.observations.buffer, d.observations.byteOffset, 4 * d.observations.length), 12);
  let at = 12 + 4 * d.observations.length;
  out.set(new Uint8Array(d.actions.buffer, d.actions.byteOffset, 4 * d.count), at);
  at += 4 * d.count;
  out.set(d.masks, at);
  return out;
}

/** Reads what `encodeDemonstrations` wrote; throws naming the file when its size does not match its header. */
export function decodeDemonstrations(bytes: Uint8Array, file: string): Demonstrations {
  const copy = bytes.slice();
  const [count, obsSize, actionCount] = copy.byteLength >= 12 ? new Uint32Array(copy.buffer, 0, 3) : [];
  const size = 12 + 4 * (count ?? 0) * ((obsSize ?? 0) + 1) + (count ?? 0) * (actionCount ?? 0);
  if (count === undefined || copy.byteLength !== size) {
    throw new Error(`${file}: not a demonstrations file of this run (${copy.byteLength} bytes)`);
  }
  const observations = new Float32Array(copy.buffer, 12, count * obsSize!);
  const actions = new Int32Array(copy.buffer, 12 + 4 * count * obsSize!, count);
  const masks = new Uint8Array(copy.buffer, 12 + 4 * count * (obsSize! + 1), count * actionCount!);
  return { observations, masks, actions, count };
}
