/**
 * Warm start: a baseline (the teacher) drives an environment of the training run for a number of decisions, and
 * its (observation, mask, action) rows become the demonstrations the PPO policy is cloned from before PPO starts
 * (core/rl's `PpoTrainer.warmStart`). The environment is the run's own kind — same configs, task, token tables,
 * random starting layouts — on a stream of its own, so the PPO environments draw exactly what they draw without
 * a warm start.
 */
import type { WarmStartTeacher } from '../../../contracts/index.js';
import type {
  ResolvedBenchConfig,
  ResolvedSimulationConfig,
  ResolvedTask,
  ResolvedTrainingConfig,
} from '../../config/index.js';
import { BASELINE_POLICIES, type PolicyContext } from '../../control/index.js';
import type { Demonstrations } from '../../rl/index.js';
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
}

/** Runs the teacher for `steps` decisions and returns its decisions with the raw observations they were made on. */
export function teacherDemonstrations(o: TeacherRunOptions): Demonstrations {
  const factory = BASELINE_POLICIES[o.teacher];
  if (!factory) throw new Error(`warm start: no baseline named ${o.teacher}`);
  const teacher = factory();
  const env = createTrainEnv({
    simulation: o.simulation,
    training: o.training,
    tokens: o.tokens,
    runSeed: o.runSeed,
    envIndex: WARM_START_ENV_INDEX,
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
    const r = env.step(action);
    teacher.learn?.(r.reward);
    episodeStep++;
    if (r.terminated || r.truncated) {
      observation = env.reset(resets++).observation;
      episodeStep = 0;
    } else {
      observation = r.observation;
    }
  }
  return { observations, masks, actions, count: o.steps };
}
