/**
 * The on-disk checkpoint format, readable without tfjs (inference loads it with plain typed arrays).
 *
 *   rl_model_<steps>_steps/
 *     checkpoint.json   CheckpointMeta: counters, net shapes, tensor index, normaliser statistics, RNG states,
 *                       optimiser scalars, the training config snapshot
 *     tensors.bin       little-endian float32: every tensor listed in `tensors`, at its offset
 *
 * The directory is written under a temporary name and renamed into place, so a reader sees all of it or none.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TimeFeatureConfig } from '../../contracts/index.js';
import { ConfigError } from '../errors.js';

export const CHECKPOINT_FORMAT = 'migflow-maskable-ppo/1';
export const CHECKPOINT_META_FILE = 'checkpoint.json';
export const CHECKPOINT_TENSORS_FILE = 'tensors.bin';

/** One float32 tensor inside tensors.bin. */
export interface TensorEntry {
  readonly name: string;
  readonly shape: readonly number[];
  /** Offset in float32 elements. */
  readonly offset: number;
}

/** Running mean/variance statistics (SB3 RunningMeanStd), float64 values kept exactly in JSON. */
export interface RunningStatsState {
  readonly mean: readonly number[];
  readonly var: readonly number[];
  readonly count: number;
}

/** How observations and rewards are normalised (SB3 VecNormalize's settings). */
export interface NormalizerOptions {
  readonly normObs: boolean;
  readonly normReward: boolean;
  readonly clipObs: number;
  readonly clipReward: number;
  /** Discount of the running return used to scale rewards (the reference leaves SB3's 0.99). */
  readonly gamma: number;
  readonly epsilon: number;
}

export interface NormalizerState extends NormalizerOptions {
  readonly obs: RunningStatsState;
  readonly ret: RunningStatsState;
  /** Discounted return accumulator of the first env, for reward normalisation. */
  readonly returns: number;
  /** With several environments: every env's return accumulator (`returns` is the first). */
  readonly returnsByEnv?: readonly number[];
}

export interface CheckpointMeta {
  readonly format: typeof CHECKPOINT_FORMAT;
  /** Env steps taken when the checkpoint was written. */
  readonly steps: number;
  readonly episodes: number;
  /** PPO updates done. */
  readonly updates: number;
  readonly obsSize: number;
  readonly actionCount: number;
  readonly netArch: { readonly pi: readonly number[]; readonly vf: readonly number[] };
  readonly activation: 'tanh';
  /** Tensors in tensors.bin: `pi/…`, `vf/…` weights and `adam/…` moments. */
  readonly tensors: readonly TensorEntry[];
  readonly adam: {
    readonly iterations: number;
    readonly beta1: number;
    readonly beta2: number;
    readonly epsilon: number;
  };
  /** Absent when observations are not normalised (`sb3_norm: false`). */
  readonly normalizer?: NormalizerState;
  /** Named RNG states (env, policy sampling, shuffling), each the generator's own serialisable state. */
  readonly rng: Readonly<Record<string, unknown>>;
  /**
   * Trainer state needed to continue mid-run (current obs, episode accumulators, recent rewards, best so far, and
   * what each environment carries into its next episode: `envCarried`, or `envs[e].carried` with several; absent in
   * checkpoints written before it was saved, whose environments then start their next episode without it).
   */
  readonly trainer: Readonly<Record<string, unknown>>;
  /** The training config YAML that ran (overrides applied). */
  readonly trainingConfigYaml: string;
  /**
   * The observation's time features the policy was trained with (`training.time_features`, the training config's own
   * type); absent = off (the reference's observation, and every older checkpoint). Whoever builds the policy's
   * observation (a bench trial, perf/learn.ts, a live deployment) builds it with these, whatever its own training
   * config says.
   */
  readonly timeFeatures?: TimeFeatureConfig;
  readonly seed: number;
  readonly totalSteps: number;
  readonly backend: string;
  readonly savedAt: string;
}

export interface LoadedCheckpoint {
  readonly dir: string;
  readonly meta: CheckpointMeta;
  /** Tensor name → its values (views into one buffer). */
  readonly tensors: ReadonlyMap<string, Float32Array>;
}

/** Reads a checkpoint directory; a missing or foreign one is a ConfigError naming the fix. */
export function readCheckpoint(dir: string): LoadedCheckpoint {
  const metaFile = join(dir, CHECKPOINT_META_FILE);
  if (!existsSync(metaFile)) {
    throw new ConfigError(
      dir,
      CHECKPOINT_META_FILE,
      'is not a migflow checkpoint directory (no checkpoint.json)',
      'pass a directory like <run>/checkpoints/rl_model_<N>_steps or <run>/checkpoints/final',
    );
  }
  let meta: CheckpointMeta;
  try {
    meta = JSON.parse(readFileSync(metaFile, 'utf8')) as CheckpointMeta;
  } catch (err) {
    throw new ConfigError(
      metaFile,
      '',
      'is not valid JSON',
      'the checkpoint is damaged; use an earlier one',
      {
        cause: err,
      },
    );
  }
  if (meta.format !== CHECKPOINT_FORMAT) {
    throw new ConfigError(
      metaFile,
      'format',
      `is ${JSON.stringify(meta.format)}, expected ${CHECKPOINT_FORMAT}`,
      'use a checkpoint written by this migflow version',
    );
  }
  const raw = readFileSync(join(dir, CHECKPOINT_TENSORS_FILE));
  const all = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  const tensors = new Map<string, Float32Array>();
  for (const t of meta.tensors) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (t.offset + n > all.length) {
      throw new ConfigError(
        join(dir, CHECKPOINT_TENSORS_FILE),
        t.name,
        `needs ${t.offset + n} floats but the file holds ${all.length}`,
        'the checkpoint is truncated; use an earlier one',
      );
    }
    tensors.set(t.name, all.subarray(t.offset, t.offset + n));
  }
  return { dir, meta, tensors };
}
