/**
 * Observation and reward normalisation equivalent to SB3's VecNormalize as the reference configures it
 * (norm_obs and norm_reward on, clip_obs 10, clip_reward 10, gamma 0.99, epsilon 1e-8), for one or more
 * environments sharing one set of statistics, each with its own running return.
 *
 * Observations are standardised with running mean/variance statistics updated on every raw observation while
 * training. Rewards are divided by the standard deviation of a running discounted return (not centred), which
 * is reset at episode ends. `frozen` stops updates (evaluation, inference).
 */
import type { NormalizerOptions, NormalizerState, RunningStatsState } from './checkpoint-format.js';

export type { NormalizerOptions } from './checkpoint-format.js';

/** Running mean and variance (SB3 RunningMeanStd): parallel-merge update, count seeded with epsilon. */
export class RunningMeanStd {
  readonly mean: Float64Array;
  readonly var: Float64Array;
  count: number;

  constructor(size: number, epsilon = 1e-4) {
    this.mean = new Float64Array(size);
    this.var = new Float64Array(size).fill(1);
    this.count = epsilon;
  }

  /** Merges a batch's statistics (Chan et al. parallel algorithm). */
  updateFromMoments(batchMean: ArrayLike<number>, batchVar: ArrayLike<number>, batchCount: number): void {
    const total = this.count + batchCount;
    for (let i = 0; i < this.mean.length; i++) {
      const delta = batchMean[i]! - this.mean[i]!;
      const newMean = this.mean[i]! + (delta * batchCount) / total;
      const m2 =
        this.var[i]! * this.count +
        batchVar[i]! * batchCount +
        (delta * delta * this.count * batchCount) / total;
      this.mean[i] = newMean;
      this.var[i] = m2 / total;
    }
    this.count = total;
  }

  /** Updates with one sample (a batch of one: variance 0). */
  updateOne(x: ArrayLike<number>): void {
    const total = this.count + 1;
    for (let i = 0; i < this.mean.length; i++) {
      const delta = x[i]! - this.mean[i]!;
      this.mean[i] = this.mean[i]! + delta / total;
      this.var[i] = (this.var[i]! * this.count + (delta * delta * this.count) / total) / total;
    }
    this.count = total;
  }

  /** Merges another accumulator (e.g. from a parallel worker) into this one. */
  merge(other: RunningMeanStd): void {
    this.updateFromMoments(other.mean, other.var, other.count);
  }

  state(): RunningStatsState {
    return { mean: [...this.mean], var: [...this.var], count: this.count };
  }

  static fromState(s: RunningStatsState): RunningMeanStd {
    const r = new RunningMeanStd(s.mean.length);
    r.mean.set(s.mean);
    r.var.set(s.var);
    r.count = s.count;
    return r;
  }
}

/** SB3 VecNormalize defaults, as the reference uses them. */
export const VEC_NORMALIZE_DEFAULTS: NormalizerOptions = {
  normObs: true,
  normReward: true,
  clipObs: 10,
  clipReward: 10,
  gamma: 0.99,
  epsilon: 1e-8,
};

export class Normalizer {
  readonly obsRms: RunningMeanStd;
  readonly retRms: RunningMeanStd;
  /** Running discounted return of each environment's current episode. */
  readonly returnsByEnv: number[];
  /** When true, statistics are not updated (evaluation). */
  frozen = false;

  constructor(
    readonly obsSize: number,
    readonly options: NormalizerOptions = VEC_NORMALIZE_DEFAULTS,
    nEnvs = 1,
  ) {
    this.obsRms = new RunningMeanStd(obsSize);
    this.retRms = new RunningMeanStd(1);
    this.returnsByEnv = new Array<number>(nEnvs).fill(0);
  }

  /** The first environment's running return (the only one with a single environment). */
  get returns(): number {
    return this.returnsByEnv[0]!;
  }

  set returns(value: number) {
    this.returnsByEnv[0] = value;
  }

  /** Updates the observation statistics with a raw observation (unless frozen), then normalises it. */
  observe(raw: Float32Array, out = new Float32Array(raw.length)): Float32Array {
    if (!this.frozen && this.options.normObs) this.obsRms.updateOne(raw);
    return this.normalizeObs(raw, out);
  }

  /** Normalises without touching the statistics. */
  normalizeObs(raw: Float32Array, out = new Float32Array(raw.length)): Float32Array {
    if (!this.options.normObs) {
      out.set(raw);
      return out;
    }
    const { clipObs, epsilon } = this.options;
    const { mean, var: v } = this.obsRms;
    for (let i = 0; i < raw.length; i++) {
      const z = (raw[i]! - mean[i]!) / Math.sqrt(v[i]! + epsilon);
      out[i] = Math.min(clipObs, Math.max(-clipObs, z));
    }
    return out;
  }

  /**
   * Scales a raw reward of environment `env`: accumulates its discounted return and updates the return variance
   * (unless frozen), then divides by the standard deviation and clips. `done` resets that environment's return
   * after this step, as VecNormalize does. Several environments update the statistics one after another, in env
   * order (VecNormalize merges the batch at once: the same statistics, up to rounding).
   */
  reward(raw: number, done: boolean, env = 0): number {
    if (!this.options.normReward) return raw;
    if (!this.frozen) {
      this.returnsByEnv[env] = this.returnsByEnv[env]! * this.options.gamma + raw;
      this.retRms.updateOne([this.returnsByEnv[env]!]);
    }
    const { clipReward, epsilon } = this.options;
    const z = raw / Math.sqrt(this.retRms.var[0]! + epsilon);
    if (done) this.returnsByEnv[env] = 0;
    return Math.min(clipReward, Math.max(-clipReward, z));
  }

  state(): NormalizerState {
    return {
      ...this.options,
      obs: this.obsRms.state(),
      ret: this.retRms.state(),
      returns: this.returns,
      ...(this.returnsByEnv.length > 1 ? { returnsByEnv: [...this.returnsByEnv] } : {}),
    };
  }

  /** Copies another normaliser's statistics and returns into this one (same size and environment count). */
  load(s: NormalizerState): void {
    this.obsRms.mean.set(s.obs.mean);
    this.obsRms.var.set(s.obs.var);
    this.obsRms.count = s.obs.count;
    this.retRms.mean.set(s.ret.mean);
    this.retRms.var.set(s.ret.var);
    this.retRms.count = s.ret.count;
    const returns = s.returnsByEnv ?? [s.returns];
    this.returnsByEnv.fill(0);
    returns.forEach((r, i) => {
      if (i < this.returnsByEnv.length) this.returnsByEnv[i] = r;
    });
  }

  static fromState(s: NormalizerState): Normalizer {
    const n = new Normalizer(
      s.obs.mean.length,
      {
        normObs: s.normObs,
        normReward: s.normReward,
        clipObs: s.clipObs,
        clipReward: s.clipReward,
        gamma: s.gamma,
        epsilon: s.epsilon,
      },
      s.returnsByEnv?.length ?? 1,
    );
    n.load(s);
    return n;
  }
}
