/**
 * A trained policy for deployment and benchmarking: plain typed-array forward pass of the actor MLP (no tfjs, no
 * async backend start-up), observation normalisation frozen at the checkpoint's statistics, masked argmax.
 */
import type { TimeFeatureConfig } from '../../contracts/index.js';
import { ConfigError } from '../errors.js';
import { readCheckpoint } from './checkpoint-format.js';

export interface InferencePolicy {
  readonly obsSize: number;
  readonly actionCount: number;
  /** The observation's time features it was trained with; null = none (the reference's observation). */
  readonly timeFeatures: TimeFeatureConfig | null;
  /** Env steps the policy was trained for. */
  readonly steps: number;
  /** The most probable valid action (mask entry 1). Throws when no action is valid. */
  actDeterministic(obs: Float32Array, mask: Uint8Array): number;
  /** Masked action probabilities (0 for masked actions), for inspection. */
  actionProbabilities(obs: Float32Array, mask: Uint8Array): Float64Array;
}

interface DenseLayer {
  readonly kernel: Float32Array; // [in, out], row-major
  readonly bias: Float32Array;
  readonly inSize: number;
  readonly outSize: number;
}

function dense(x: Float64Array, l: DenseLayer, tanh: boolean): Float64Array {
  const out = new Float64Array(l.outSize);
  for (let j = 0; j < l.outSize; j++) out[j] = l.bias[j]!;
  for (let i = 0; i < l.inSize; i++) {
    const xi = x[i]!;
    if (xi === 0) continue;
    const row = i * l.outSize;
    for (let j = 0; j < l.outSize; j++) out[j]! += xi * l.kernel[row + j]!;
  }
  if (tanh) for (let j = 0; j < l.outSize; j++) out[j] = Math.tanh(out[j]!);
  return out;
}

/** Loads `checkpointPath` (an `rl_model_<N>_steps` or `final` directory) for inference. */
export function loadPolicyForInference(checkpointPath: string): InferencePolicy {
  const { meta, tensors } = readCheckpoint(checkpointPath);
  const layer = (name: string): DenseLayer => {
    const kernel = tensors.get(`${name}/kernel`);
    const bias = tensors.get(`${name}/bias`);
    const entry = meta.tensors.find((t) => t.name === `${name}/kernel`);
    if (!kernel || !bias || !entry) {
      throw new ConfigError(
        checkpointPath,
        name,
        'layer missing from the checkpoint',
        'use a complete checkpoint',
      );
    }
    return { kernel, bias, inSize: entry.shape[0]!, outSize: entry.shape[1]! };
  };
  const layers = [...meta.netArch.pi.map((_, i) => layer(`pi/dense_${i}`)), layer('pi/logits')];
  const norm = meta.normalizer?.normObs ? meta.normalizer : undefined;
  const { obsSize, actionCount } = meta;

  const probabilities = (obs: Float32Array, mask: Uint8Array): Float64Array => {
    if (obs.length !== obsSize || mask.length !== actionCount) {
      throw new ConfigError(
        checkpointPath,
        'obsSize/actionCount',
        `the policy takes ${obsSize} observations and ${actionCount} actions, got ${obs.length} and ${mask.length}`,
        'use a checkpoint trained on the same simulation config (agent count, history length)',
      );
    }
    let x: Float64Array = new Float64Array(obsSize);
    for (let i = 0; i < obsSize; i++) {
      let v = obs[i]!;
      if (norm) {
        // Same float32 arithmetic order as the training normaliser.
        v = (v - norm.obs.mean[i]!) / Math.sqrt(norm.obs.var[i]! + norm.epsilon);
        v = Math.min(norm.clipObs, Math.max(-norm.clipObs, v));
      }
      x[i] = Math.fround(v);
    }
    for (let l = 0; l < layers.length; l++) x = dense(x, layers[l]!, l < layers.length - 1);
    let max = Number.NEGATIVE_INFINITY;
    for (let a = 0; a < actionCount; a++) if (mask[a] === 1 && x[a]! > max) max = x[a]!;
    if (max === Number.NEGATIVE_INFINITY) {
      throw new ConfigError(
        'action mask',
        '',
        'no action is valid',
        'NO_ACTION (index 0) must always be valid',
      );
    }
    const p = new Float64Array(actionCount);
    let sum = 0;
    for (let a = 0; a < actionCount; a++) {
      if (mask[a] !== 1) continue;
      p[a] = Math.exp(x[a]! - max);
      sum += p[a]!;
    }
    for (let a = 0; a < actionCount; a++) p[a]! /= sum;
    return p;
  };

  return {
    obsSize,
    actionCount,
    timeFeatures: meta.timeFeatures ?? null,
    steps: meta.steps,
    actionProbabilities: probabilities,
    actDeterministic(obs, mask) {
      const p = probabilities(obs, mask);
      let best = -1;
      for (let a = 0; a < actionCount; a++) if (mask[a] === 1 && (best < 0 || p[a]! > p[best]!)) best = a;
      return best;
    },
  };
}
