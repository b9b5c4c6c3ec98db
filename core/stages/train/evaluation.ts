/**
 * Held-out evaluation of checkpoints (SB3's EvalCallback): each checkpoint is benched as `migflow bench --ckpt` would
 * bench it — masked argmax, the training reward summed over the decisions — on traces that no training episode
 * and not the bench's own trace replays. The training run then keeps as `best` the checkpoint whose evaluation reward
 * is highest, which mean training reward (a noisy, stochastic-policy, moving-window figure) often is not.
 *
 * The trial is the bench's (core/bench `prepareBench` + `runTrial`): one home for "run a policy over a trace", so the
 * evaluation reward of a checkpoint equals the reward column of `migflow bench --ckpt <it> --seed <eval seed>
 * --steps <decisions> --training-config <run>/snapshots/training_config.yaml`. It steps its own MigEnv on its own
 * seeded streams and runs the checkpoint through the plain typed-array forward pass (no tfjs), so the training
 * environments, policy and RNGs are untouched: a run trains the same with evaluation on or off.
 */
import { basename } from 'node:path';
import type { EvalSettings } from '../../../contracts/index.js';
import {
  loadBenchSetup,
  loadTaskConfig,
  type PreparedBench,
  prepareBench,
  runTrial,
  taskBenchSetup,
} from '../../bench/index.js';
import { type EvaluationConfig, loadBenchConfig, type ResolvedTrainingConfig } from '../../config/index.js';
import { rlCheckpointPolicy } from '../../control/index.js';

/** One evaluation of one checkpoint: a line of logs/eval.jsonl. */
export interface EvalRecord {
  /** The settings it ran under. */
  readonly evaluation: EvalSettings;
  /** Env steps of the checkpoint. */
  readonly steps: number;
  /** The checkpoint's directory name (`rl_model_<N>_steps`). */
  readonly checkpoint: string;
  /** Mean over the episodes of the training reward summed over each episode's decisions. */
  readonly meanReward: number;
  /** Each episode's reward, in seed order. */
  readonly rewards: readonly number[];
  /** Trace seed of each episode. */
  readonly seeds: readonly number[];
  readonly decisions: number;
  /** Per agent (enum order), mean TTFT over the episodes' completed requests' per-episode means, seconds. */
  readonly meanTtftS: Readonly<Record<string, number>>;
  /** Wall seconds the evaluation took (all episodes). */
  readonly seconds: number;
}

export interface CheckpointEvaluatorOptions {
  readonly evaluation: EvaluationConfig;
  /**
   * The training config file; the trial's env and reward are `training`'s when given (the run's config with its
   * overrides applied, what snapshots/training_config.yaml holds), else this file's.
   */
  readonly trainingConfig: string;
  readonly training?: ResolvedTrainingConfig;
  readonly simulationConfig: string;
  /** Where the held-out traces' patterns, length and default seed come from (without a task). */
  readonly benchConfig: string;
  /** A task file: its workload model and bench settings replace the bench config's, as in `migflow bench --task`. */
  readonly task?: string;
  readonly syntheticTokens: boolean;
}

export interface CheckpointEvaluator {
  readonly seeds: readonly number[];
  readonly decisions: number;
  readonly settings: EvalSettings;
  evaluate(checkpoint: string, steps: number): EvalRecord;
}

/**
 * Prepares the held-out traces once (validating the configs against each other before training starts) and
 * returns the function that benches a checkpoint on them.
 */
export function createCheckpointEvaluator(o: CheckpointEvaluatorOptions): CheckpointEvaluator {
  const task = o.task ? loadTaskConfig(o.task) : undefined;
  const bench = task?.bench ?? loadBenchConfig(o.benchConfig);
  // seed + 1 by default: the bench's own trace (seed) is what results are reported on, so choosing on it would
  // grade the choice on its own exam; the next seed draws the same kind of traffic, different arrivals.
  const first = o.evaluation.seed ?? bench.seed + 1;
  const seeds = Array.from({ length: o.evaluation.episodes }, (_, k) => first + k);
  const files = {
    simulationConfig: o.simulationConfig,
    trainingConfig: o.trainingConfig,
    benchConfig: o.benchConfig,
    syntheticTokens: o.syntheticTokens,
    ...(o.evaluation.decisions === undefined ? {} : { steps: o.evaluation.decisions }),
  };
  const prepared: PreparedBench[] = seeds.map((seed) => {
    const loaded = task ? taskBenchSetup(task, { ...files, seed }) : loadBenchSetup({ ...files, seed });
    const setup = o.evaluation.start === undefined ? loaded : { ...loaded, start: o.evaluation.start };
    return prepareBench(o.training ? { ...setup, training: o.training } : setup);
  });
  const settings: EvalSettings = {
    // The rule runTrial applies (core/bench/runner.ts): absent = own.
    start: prepared[0]!.setup.start ?? 'own',
    seed: first,
    episodes: seeds.length,
    decisions: prepared[0]!.steps,
  };
  return {
    seeds,
    decisions: prepared[0]!.steps,
    settings,
    evaluate(checkpoint, steps) {
      const started = performance.now();
      const factory = rlCheckpointPolicy(checkpoint);
      // Only the decisions' reward counts: the bench's flush (serving what is left after the last decision) is skipped.
      const trials = prepared.map((p) => runTrial(p, factory, { flush: false }));
      const rewards = trials.map((t) => t.reward.total);
      const meanTtftS: Record<string, number> = {};
      for (const [i, a] of trials[0]!.agents.entries()) {
        meanTtftS[a.agent] = trials.reduce((s, t) => s + t.agents[i]!.meanTtftS, 0) / trials.length;
      }
      // The rule the trials report they ran under, not the one asked for.
      const ran: EvalSettings = { ...settings, start: trials[0]!.start };
      return {
        evaluation: ran,
        steps,
        checkpoint: basename(checkpoint),
        meanReward: rewards.reduce((s, r) => s + r, 0) / rewards.length,
        rewards,
        seeds,
        decisions: prepared[0]!.steps,
        meanTtftS,
        seconds: (performance.now() - started) / 1000,
      };
    },
  };
}
