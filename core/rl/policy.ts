/**
 * The actor-critic of Maskable PPO as SB3's MlpPolicy builds it with separate networks: an actor MLP
 * (net_arch.pi, tanh) ending in one logit per action and a critic MLP (net_arch.vf, tanh) ending in one value.
 * Weights are orthogonally initialised like SB3 (gain √2 for hidden layers, 0.01 for the action head, 1 for the
 * value head; zero biases). Three verbs: `act` (collection), `evaluateActions` (update), `predictValues`
 * (bootstrap).
 */
import * as tf from '@tensorflow/tfjs';
import { denseMatMul, inputMatMul } from './dense-matmul.js';
import {
  argmaxMasked,
  logProbMasked,
  logProbOf,
  maskedEntropy,
  maskLogits,
  sampleMasked,
} from './masked-categorical.js';

export interface PolicyShape {
  readonly obsSize: number;
  readonly actionCount: number;
  readonly netArch: { readonly pi: readonly number[]; readonly vf: readonly number[] };
}

interface Dense {
  readonly name: string;
  readonly kernel: tf.Variable;
  readonly bias: tf.Variable;
}

/** A trainable variable with its checkpoint name (tfjs's own names must be unique per process, so not used). */
export interface NamedVariable {
  readonly name: string;
  readonly variable: tf.Variable;
}

function dense(
  name: string,
  inSize: number,
  outSize: number,
  gain: number,
  seed: number,
  orthogonal: boolean,
): Dense {
  const init = orthogonal ? tf.initializers.orthogonal({ gain, seed }) : tf.initializers.zeros();
  return {
    name,
    kernel: tf.tidy(() => tf.variable(init.apply([inSize, outSize]) as tf.Tensor2D, true)),
    bias: tf.tidy(() => tf.variable(tf.zeros([outSize]), true)),
  };
}

function mlp(x: tf.Tensor2D, hidden: readonly Dense[], head: Dense): tf.Tensor2D {
  // The observations need no gradient: the first layer skips dx.
  const layer = (h: tf.Tensor2D, l: Dense) =>
    tf.add(
      h === x ? inputMatMul(h, l.kernel as tf.Tensor2D) : denseMatMul(h, l.kernel as tf.Tensor2D),
      l.bias,
    );
  let h = x;
  for (const l of hidden) h = tf.tanh(layer(h, l)) as tf.Tensor2D;
  return layer(h, head) as tf.Tensor2D;
}

/** How a policy's weights start: SB3's orthogonal initialisation, or zeros to be overwritten (replicas). */
export type PolicyInit = 'orthogonal' | 'zeros';

export interface ActResult {
  readonly action: number;
  readonly value: number;
  readonly logProb: number;
}

export class ActorCriticPolicy {
  readonly piHidden: Dense[];
  readonly piHead: Dense;
  readonly vfHidden: Dense[];
  readonly vfHead: Dense;

  /** `seed` fixes the initial weights. */
  constructor(
    readonly shape: PolicyShape,
    seed: number,
    init: PolicyInit = 'orthogonal',
  ) {
    const orthogonal = init === 'orthogonal';
    let s = seed;
    const next = () => (s = (s * 1103515245 + 12345) % 2147483647);
    const build = (prefix: string, arch: readonly number[]) => {
      const layers: Dense[] = [];
      let inSize = shape.obsSize;
      arch.forEach((units, i) => {
        layers.push(dense(`${prefix}/dense_${i}`, inSize, units, Math.SQRT2, next(), orthogonal));
        inSize = units;
      });
      return { layers, inSize };
    };
    const pi = build('pi', shape.netArch.pi);
    this.piHidden = pi.layers;
    this.piHead = dense('pi/logits', pi.inSize, shape.actionCount, 0.01, next(), orthogonal);
    const vf = build('vf', shape.netArch.vf);
    this.vfHidden = vf.layers;
    this.vfHead = dense('vf/value', vf.inSize, 1, 1, next(), orthogonal);
  }

  /** Every trainable variable with its name, actor first, in a fixed order. */
  namedVariables(): NamedVariable[] {
    const flat = (ls: readonly Dense[]) =>
      ls.flatMap((l) => [
        { name: `${l.name}/kernel`, variable: l.kernel },
        { name: `${l.name}/bias`, variable: l.bias },
      ]);
    return [...flat(this.piHidden), ...flat([this.piHead]), ...flat(this.vfHidden), ...flat([this.vfHead])];
  }

  variables(): tf.Variable[] {
    return this.namedVariables().map((v) => v.variable);
  }

  /** Number of trainable parameters (the length of the flat weight vector). */
  get parameterCount(): number {
    return this.variables().reduce((n, v) => n + v.size, 0);
  }

  /** Every weight, in `namedVariables` order, flattened into `out`. */
  readWeights(out: Float32Array = new Float32Array(this.parameterCount)): Float32Array {
    let o = 0;
    for (const v of this.variables()) {
      out.set(v.dataSync() as Float32Array, o);
      o += v.size;
    }
    return out;
  }

  /** Sets every weight from a flat vector in `namedVariables` order. */
  writeWeights(flat: Float32Array): void {
    let o = 0;
    tf.tidy(() => {
      for (const v of this.variables()) {
        v.assign(tf.tensor(flat.subarray(o, o + v.size), v.shape));
        o += v.size;
      }
    });
  }

  /** Unmasked logits [B, A]. */
  logits(obs: tf.Tensor2D): tf.Tensor2D {
    return mlp(obs, this.piHidden, this.piHead);
  }

  /** Values [B]. */
  predictValues(obs: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => tf.reshape(mlp(obs, this.vfHidden, this.vfHead), [-1]) as tf.Tensor1D);
  }

  /**
   * One decision while collecting: samples from the masked distribution with the uniform draw `u` (or takes the
   * most probable valid action when `deterministic`), and returns the value estimate and the log-probability.
   */
  act(obs: Float32Array, mask: Uint8Array, u: number, deterministic = false): ActResult {
    const [logits, value] = tf.tidy(() => {
      const x = tf.tensor2d(obs, [1, obs.length]);
      return [this.logits(x).dataSync() as Float32Array, this.predictValues(x).dataSync()[0]!];
    });
    if (deterministic) {
      const action = argmaxMasked(logits, mask);
      return { action, value, logProb: logProbMasked(logits, mask, action) };
    }
    const { action, logProb } = sampleMasked(logits, mask, u);
    return { action, value, logProb };
  }

  /** Action probabilities [A] of one observation under `mask` (0 where masked). */
  actionProbabilities(obs: Float32Array, mask: Uint8Array): Float32Array {
    return tf.tidy(() => {
      const x = tf.tensor2d(obs, [1, obs.length]);
      const m = tf.tensor2d(mask, [1, mask.length], 'int32');
      return tf.softmax(maskLogits(this.logits(x), m)).dataSync() as Float32Array;
    });
  }

  /** Scores given actions: values [B], log-probabilities [B] and entropies [B] under the masks [B, A]. */
  evaluateActions(
    obs: tf.Tensor2D,
    actions: tf.Tensor1D,
    masks: tf.Tensor2D,
  ): { values: tf.Tensor1D; logProb: tf.Tensor1D; entropy: tf.Tensor1D } {
    const masked = maskLogits(this.logits(obs), masks);
    return {
      values: this.predictValues(obs),
      logProb: logProbOf(masked, actions),
      entropy: maskedEntropy(masked, masks),
    };
  }

  dispose(): void {
    for (const v of this.variables()) v.dispose();
  }
}
