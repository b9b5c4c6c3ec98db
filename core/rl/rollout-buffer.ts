/**
 * Fixed-size storage of one rollout (SB3 RolloutBuffer + sb3-contrib's mask buffer): preallocated typed arrays
 * laid out `[n_steps, n_envs, …]` as SB3's, written at a step cursor, the action mask stored beside each
 * observation, advantages and returns computed once backwards with GAE(λ) per environment when the rollout ends,
 * and shuffled minibatch index sets over all stored transitions. Sample `t·nEnvs + e` is env e's transition at
 * step t. With `shared`, the arrays live in SharedArrayBuffers, so worker threads computing gradient shards read
 * the rollout without a copy.
 */

export interface GaeInput {
  readonly rewards: ArrayLike<number>;
  readonly values: ArrayLike<number>;
  /** 1 where the observation at t is the first of an episode. */
  readonly episodeStarts: ArrayLike<number>;
  /** Value of the observation after the last step. */
  readonly lastValue: number;
  /** Whether the last step ended its episode (then `lastValue` is not bootstrapped). */
  readonly lastDone: boolean;
  readonly gamma: number;
  readonly gaeLambda: number;
}

/**
 * GAE(λ) over one environment's transitions at indices `offset + t·stride` (t = 0 … steps − 1), exactly SB3's
 * recursion; writes advantages and returns (= advantages + values) at the same indices.
 */
function gaeStrided(
  rewards: ArrayLike<number>,
  values: ArrayLike<number>,
  episodeStarts: ArrayLike<number>,
  steps: number,
  offset: number,
  stride: number,
  lastValue: number,
  lastDone: boolean,
  gamma: number,
  gaeLambda: number,
  advantages: Float32Array,
  returns: Float32Array,
): void {
  let lastGae = 0;
  for (let t = steps - 1; t >= 0; t--) {
    const i = offset + t * stride;
    let nextNonTerminal: number;
    let nextValue: number;
    if (t === steps - 1) {
      nextNonTerminal = lastDone ? 0 : 1;
      nextValue = lastValue;
    } else {
      nextNonTerminal = 1 - episodeStarts[i + stride]!;
      nextValue = values[i + stride]!;
    }
    const delta = rewards[i]! + gamma * nextValue * nextNonTerminal - values[i]!;
    lastGae = delta + gamma * gaeLambda * nextNonTerminal * lastGae;
    advantages[i] = lastGae;
    returns[i] = lastGae + values[i]!;
  }
}

/** GAE(λ) advantages and returns (= advantages + values) of one environment, exactly SB3's recursion. */
export function computeGae(
  input: GaeInput,
  advantages: Float32Array = new Float32Array(input.rewards.length),
  returns: Float32Array = new Float32Array(input.rewards.length),
): { advantages: Float32Array; returns: Float32Array } {
  gaeStrided(
    input.rewards,
    input.values,
    input.episodeStarts,
    input.rewards.length,
    0,
    1,
    input.lastValue,
    input.lastDone,
    input.gamma,
    input.gaeLambda,
    advantages,
    returns,
  );
  return { advantages, returns };
}

function floats(n: number, shared: boolean): Float32Array {
  return shared ? new Float32Array(new SharedArrayBuffer(n * 4)) : new Float32Array(n);
}

export interface RolloutBufferOptions {
  /** Environments stepped together (SB3's n_envs); default 1. */
  readonly nEnvs?: number;
  /** Back the arrays with SharedArrayBuffers (for worker threads). Default false. */
  readonly shared?: boolean;
}

/** One transition, as `set` (for one of several environments) and `add` (the only one) store it. */
export type Transition = [
  obs: Float32Array,
  mask: Uint8Array,
  action: number,
  reward: number,
  episodeStart: boolean,
  value: number,
  logProb: number,
];

export class RolloutBuffer {
  readonly nEnvs: number;
  readonly observations: Float32Array;
  readonly masks: Uint8Array;
  readonly actions: Int32Array;
  readonly rewards: Float32Array;
  readonly values: Float32Array;
  readonly logProbs: Float32Array;
  readonly episodeStarts: Float32Array;
  readonly advantages: Float32Array;
  readonly returns: Float32Array;
  /** Steps stored so far in this rollout (each holds one transition per environment). */
  pos = 0;

  /** `size` is steps per environment (SB3's n_steps). */
  constructor(
    readonly size: number,
    readonly obsSize: number,
    readonly actionCount: number,
    options: RolloutBufferOptions = {},
  ) {
    this.nEnvs = options.nEnvs ?? 1;
    const shared = options.shared ?? false;
    const n = size * this.nEnvs;
    this.observations = floats(n * obsSize, shared);
    this.masks = shared
      ? new Uint8Array(new SharedArrayBuffer(n * actionCount))
      : new Uint8Array(n * actionCount);
    this.actions = shared ? new Int32Array(new SharedArrayBuffer(n * 4)) : new Int32Array(n);
    this.rewards = floats(n, shared);
    this.values = floats(n, shared);
    this.logProbs = floats(n, shared);
    this.episodeStarts = floats(n, shared);
    this.advantages = floats(n, shared);
    this.returns = floats(n, shared);
  }

  get full(): boolean {
    return this.pos === this.size;
  }

  /** Transitions stored so far (steps × environments). */
  get count(): number {
    return this.pos * this.nEnvs;
  }

  reset(): void {
    this.pos = 0;
  }

  /** Stores env `env`'s transition at the current step; `endStep()` moves on once every env's is stored. */
  set(env: number, ...[obs, mask, action, reward, episodeStart, value, logProb]: Transition): void {
    if (this.pos >= this.size) throw new Error('RolloutBuffer.set: the buffer is full; call reset() first');
    const i = this.pos * this.nEnvs + env;
    this.observations.set(obs, i * this.obsSize);
    this.masks.set(mask, i * this.actionCount);
    this.actions[i] = action;
    this.rewards[i] = reward;
    this.episodeStarts[i] = episodeStart ? 1 : 0;
    this.values[i] = value;
    this.logProbs[i] = logProb;
  }

  endStep(): void {
    this.pos++;
  }

  /** One environment: stores the transition and moves to the next step. */
  add(...transition: Transition): void {
    if (this.pos >= this.size) throw new Error('RolloutBuffer.add: the buffer is full; call reset() first');
    this.set(0, ...transition);
    this.endStep();
  }

  /**
   * GAE per environment over the stored steps. `lastValues[e]` is the value of env e's observation after the last
   * step, not bootstrapped where `lastDones[e]`.
   */
  computeReturnsAndAdvantage(
    lastValues: number | ArrayLike<number>,
    lastDones: boolean | ArrayLike<boolean>,
    gamma: number,
    gaeLambda: number,
  ): void {
    for (let e = 0; e < this.nEnvs; e++) {
      const lastValue = typeof lastValues === 'number' ? lastValues : lastValues[e]!;
      const lastDone = typeof lastDones === 'boolean' ? lastDones : lastDones[e]!;
      gaeStrided(
        this.rewards,
        this.values,
        this.episodeStarts,
        this.pos,
        e,
        this.nEnvs,
        lastValue,
        lastDone,
        gamma,
        gaeLambda,
        this.advantages,
        this.returns,
      );
    }
  }

  /** A random permutation (Fisher–Yates with `random`) of the stored transitions. */
  permutation(random: () => number): Int32Array {
    const n = this.count;
    const perm = new Int32Array(n);
    for (let i = 0; i < n; i++) perm[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      const t = perm[i]!;
      perm[i] = perm[j]!;
      perm[j] = t;
    }
    return perm;
  }

  /**
   * One epoch's minibatches over the stored transitions: a random permutation cut into `batchSize` pieces (the last
   * one shorter when the count is not a multiple). A partial rollout (the end of a run) yields only the
   * transitions it holds: never an empty minibatch.
   */
  minibatchIndices(batchSize: number, random: () => number): Int32Array[] {
    const perm = this.permutation(random);
    const out: Int32Array[] = [];
    for (let start = 0; start < perm.length; start += batchSize)
      out.push(perm.subarray(start, start + batchSize));
    return out;
  }
}
