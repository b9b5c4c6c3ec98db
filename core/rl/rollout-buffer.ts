/**
 * Fixed-size storage of one rollout (SB3 RolloutBuffer + sb3-contrib's mask buffer, one environment):
 * preallocated typed arrays written at a cursor, the action mask stored beside each observation, advantages and
 * returns computed once backwards with GAE(λ) when the rollout is full, and shuffled minibatch index sets.
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

/** GAE(λ) advantages and returns (= advantages + values), exactly SB3's recursion. */
export function computeGae(
  input: GaeInput,
  advantages: Float32Array = new Float32Array(input.rewards.length),
  returns: Float32Array = new Float32Array(input.rewards.length),
): { advantages: Float32Array; returns: Float32Array } {
  const n = input.rewards.length;
  const { gamma, gaeLambda } = input;
  let lastGae = 0;
  for (let t = n - 1; t >= 0; t--) {
    let nextNonTerminal: number;
    let nextValue: number;
    if (t === n - 1) {
      nextNonTerminal = input.lastDone ? 0 : 1;
      nextValue = input.lastValue;
    } else {
      nextNonTerminal = 1 - input.episodeStarts[t + 1]!;
      nextValue = input.values[t + 1]!;
    }
    const delta = input.rewards[t]! + gamma * nextValue * nextNonTerminal - input.values[t]!;
    lastGae = delta + gamma * gaeLambda * nextNonTerminal * lastGae;
    advantages[t] = lastGae;
    returns[t] = lastGae + input.values[t]!;
  }
  return { advantages, returns };
}

export class RolloutBuffer {
  readonly observations: Float32Array;
  readonly masks: Uint8Array;
  readonly actions: Int32Array;
  readonly rewards: Float32Array;
  readonly values: Float32Array;
  readonly logProbs: Float32Array;
  readonly episodeStarts: Float32Array;
  readonly advantages: Float32Array;
  readonly returns: Float32Array;
  /** Transitions stored so far in this rollout. */
  pos = 0;

  constructor(
    readonly size: number,
    readonly obsSize: number,
    readonly actionCount: number,
  ) {
    this.observations = new Float32Array(size * obsSize);
    this.masks = new Uint8Array(size * actionCount);
    this.actions = new Int32Array(size);
    this.rewards = new Float32Array(size);
    this.values = new Float32Array(size);
    this.logProbs = new Float32Array(size);
    this.episodeStarts = new Float32Array(size);
    this.advantages = new Float32Array(size);
    this.returns = new Float32Array(size);
  }

  get full(): boolean {
    return this.pos === this.size;
  }

  reset(): void {
    this.pos = 0;
  }

  add(
    obs: Float32Array,
    mask: Uint8Array,
    action: number,
    reward: number,
    episodeStart: boolean,
    value: number,
    logProb: number,
  ): void {
    if (this.pos >= this.size) throw new Error('RolloutBuffer.add: the buffer is full; call reset() first');
    const i = this.pos;
    this.observations.set(obs, i * this.obsSize);
    this.masks.set(mask, i * this.actionCount);
    this.actions[i] = action;
    this.rewards[i] = reward;
    this.episodeStarts[i] = episodeStart ? 1 : 0;
    this.values[i] = value;
    this.logProbs[i] = logProb;
    this.pos++;
  }

  computeReturnsAndAdvantage(lastValue: number, lastDone: boolean, gamma: number, gaeLambda: number): void {
    const n = this.pos;
    computeGae(
      {
        rewards: this.rewards.subarray(0, n),
        values: this.values.subarray(0, n),
        episodeStarts: this.episodeStarts.subarray(0, n),
        lastValue,
        lastDone,
        gamma,
        gaeLambda,
      },
      this.advantages.subarray(0, n),
      this.returns.subarray(0, n),
    );
  }

  /**
   * One epoch's minibatches over the stored transitions: a random permutation (Fisher–Yates with `random`) cut
   * into `batchSize` pieces (the last one shorter when the count is not a multiple).
   */
  minibatchIndices(batchSize: number, random: () => number): Int32Array[] {
    const n = this.pos;
    const perm = new Int32Array(n);
    for (let i = 0; i < n; i++) perm[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      const t = perm[i]!;
      perm[i] = perm[j]!;
      perm[j] = t;
    }
    const out: Int32Array[] = [];
    for (let start = 0; start < this.size; start += batchSize)
      out.push(perm.subarray(start, start + batchSize));
    return out;
  }
}
