import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { denseMatMul } from '../../../core/rl/dense-matmul.js';
import { useTfBackend } from './tf-setup.js';

useTfBackend();

describe('denseMatMul', () => {
  it('has the value and the gradients of tf.matMul', () => {
    const x = tf.randomNormal([5, 7], 0, 1, 'float32', 1) as tf.Tensor2D;
    const w = tf.randomNormal([7, 3], 0, 1, 'float32', 2) as tf.Tensor2D;
    const loss = (f: (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D) => (a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.square(tf.tanh(f(a as tf.Tensor2D, b as tf.Tensor2D))));
    const [gxRef, gwRef] = tf.grads(loss((a, b) => tf.matMul(a, b)))([x, w]);
    const [gx, gw] = tf.grads(loss(denseMatMul))([x, w]);
    const close = (a: tf.Tensor, b: tf.Tensor) => {
      const [va, vb] = [a.dataSync(), b.dataSync()];
      for (let i = 0; i < va.length; i++) expect(va[i]).toBeCloseTo(vb[i]!, 5);
    };
    close(denseMatMul(x, w), tf.matMul(x, w));
    close(gx!, gxRef!);
    close(gw!, gwRef!);
  });
});
