/**
 * migflow's WebAssembly kernels (core/rl/kernels/mlp.c via mlp-kernels.ts): tanh within 2 ulp, linear layers equal
 * to tfjs-wasm's matMul + bias bit for bit (the same summation order as XNNPACK), the MLP's forward pass equal to
 * the tfjs policy's to float precision, Adam equal to a float32 evaluation of adam.ts's formula bit for bit, and the
 * shard reduction. (The backward pass against tfjs's tape: vec-env.test.ts.)
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { adamKernelArgs } from '../../../core/rl/flat-adam.js';
import {
  createKernelMemory,
  Kernels,
  MemoryPlan,
  MlpRunner,
  mlpLayers,
  packedLayout,
  packParameters,
  planMlp,
  planStack,
  unpackParameters,
} from '../../../core/rl/mlp-kernels.js';
import { ActorCriticPolicy } from '../../../core/rl/policy.js';
import { packPolicy, policyPacking } from '../../../core/rl/ppo-gradients.js';
import { SavableRng } from '../../../core/rl/rng.js';
import { useTfBackend } from './tf-setup.js';

useTfBackend();

/** Kernels on a fresh memory with float regions of the given sizes. */
function kernelsWith(...sizes: number[]): { k: Kernels; at: number[] } {
  const plan = new MemoryPlan();
  const at = sizes.map((n) => plan.floats(n));
  const stack = planStack(plan);
  return { k: new Kernels(createKernelMemory(plan.bytes), stack), at };
}

/** Float32 values in order of magnitude: the ulp distance between a and b. */
function ulps(a: number, b: number): number {
  const f = new Float32Array([a, b]);
  const i = new Int32Array(f.buffer);
  const key = (x: number) => (x < 0 ? -(x & 0x7fffffff) : x);
  return Math.abs(key(i[0]!) - key(i[1]!));
}

describe('tanh', () => {
  it('is within 2 ulp of the correctly rounded value, odd, and 1 at the cap', () => {
    const n = 1 << 16;
    const { k, at } = kernelsWith(n);
    const v = k.view(at[0]!, n);
    let worst = 0;
    for (const [lo, hi] of [
      [-12, 12],
      [-0.7, 0.7],
      [0.6, 0.65],
      [-1e-3, 1e-3],
      [1e-30, 1e-20],
    ] as const) {
      for (let i = 0; i < n; i++) v[i] = lo + ((hi - lo) * i) / (n - 1);
      const x = Float32Array.from(v);
      k.x.tanh_inplace(at[0]!, n);
      for (let i = 0; i < n; i++) worst = Math.max(worst, ulps(v[i]!, Math.tanh(x[i]!)));
    }
    expect(worst).toBeLessThanOrEqual(2);
    v.set([-0, 0, 50, -50, 9.1, -1e-40]);
    k.x.tanh_inplace(at[0]!, 8);
    expect(Object.is(v[0], -0)).toBe(true);
    expect([...v.subarray(1, 5)]).toEqual([0, 1, -1, 1]);
    expect(v[5]).toBe(Math.fround(-1e-40));
  });
});

describe('MLP layers', () => {
  it.each([
    { rows: 7, inSize: 13, outSize: 3 },
    { rows: 256, inSize: 171, outSize: 55 },
    { rows: 2, inSize: 512, outSize: 512 },
  ])(
    'x·W + b equals tfjs-wasm matMul + bias bit for bit ($rows × $inSize → $outSize)',
    ({ rows, inSize, outSize }) => {
      const layers = mlpLayers(inSize, [], outSize);
      const plan = new MemoryPlan();
      const params = plan.floats(inSize * outSize + outSize);
      const layout = packedLayout(layers);
      const packed = plan.floats(layout.packedCount);
      const mlp = planMlp(plan, layers, rows);
      const stack = planStack(plan);
      const k = new Kernels(createKernelMemory(plan.bytes), stack);
      const rng = new SavableRng(3);
      const w = k.view(params, inSize * outSize + outSize);
      w.set(Float32Array.from(w, () => rng.gauss(0, 0.1)));
      const net = new MlpRunner(k, mlp);
      net.input.set(Float32Array.from({ length: rows * inSize }, () => rng.gauss(0, 1)));
      packParameters(k, layout, params, packed);
      net.useWeights(packed, false);
      net.forward(rows);
      const expected = tf.tidy(() =>
        tf
          .add(
            tf.matMul(
              tf.tensor2d(net.input.subarray(0, rows * inSize), [rows, inSize]),
              tf.tensor2d(w.subarray(0, inSize * outSize), [inSize, outSize]),
            ),
            tf.tensor1d(w.subarray(inSize * outSize)),
          )
          .dataSync(),
      );
      expect(net.output.subarray(0, rows * outSize)).toEqual(expected);
    },
  );

  it("computes the policy's logits and values to float precision", () => {
    const shape = { obsSize: 11, actionCount: 6, netArch: { pi: [20, 9], vf: [17] } };
    const policy = new ActorCriticPolicy(shape, 4);
    const rows = 9;
    const plan = new MemoryPlan();
    const params = plan.floats(policy.parameterCount);
    const packing = policyPacking(shape);
    const packed = plan.floats(packing.packedCount);
    const pi = planMlp(plan, mlpLayers(11, [20, 9], 6), rows);
    const vf = planMlp(plan, mlpLayers(11, [17], 1), rows);
    const stack = planStack(plan);
    const k = new Kernels(createKernelMemory(plan.bytes), stack);
    policy.readWeights(k.view(params, policy.parameterCount));
    const rng = new SavableRng(5);
    const obs = Float32Array.from({ length: rows * 11 }, () => rng.gauss(0, 2));
    const actor = new MlpRunner(k, pi);
    const critic = new MlpRunner(k, vf);
    packPolicy(k, packing, params, packed);
    actor.useWeights(packed, false);
    critic.useWeights(packed + 4 * packing.pi.packedCount, false);
    actor.input.set(obs);
    critic.input.set(obs);
    actor.forward(rows);
    critic.forward(rows);
    const [logits, values] = tf.tidy(() => {
      const x = tf.tensor2d(obs, [rows, 11]);
      return [policy.logits(x).dataSync(), policy.predictValues(x).dataSync()];
    });
    const close = (a: Float32Array, b: ArrayLike<number>) =>
      Array.from(a).every((x, i) => Math.abs(x - b[i]!) <= 1e-6 * (1 + Math.abs(b[i]!)));
    expect(close(actor.output.subarray(0, rows * 6), logits)).toBe(true);
    expect(close(critic.output.subarray(0, rows), values)).toBe(true);
    policy.dispose();
  });
});

describe('optimiser kernels', () => {
  it("step Adam as adam.ts's formula evaluated in float32, bit for bit", () => {
    const n = 1031;
    const { k, at } = kernelsWith(n, n, n, n);
    const [p, m, v, g] = at.map((a) => k.view(a!, n)) as [
      Float32Array,
      Float32Array,
      Float32Array,
      Float32Array,
    ];
    const rng = new SavableRng(8);
    for (const x of [p, m, g]) x.set(Float32Array.from(x, () => rng.gauss(0, 0.1)));
    v.set(Float32Array.from(v, () => rng.random() * 1e-3));
    const [p0, m0, v0] = [p.slice(), m.slice(), v.slice()];
    const step = { coef: 0.37, learningRate: 3e-4, iteration: 7 };
    const args = adamKernelArgs(step, { beta1: 0.9, beta2: 0.999, epsilon: 1e-5 });
    k.x.adam_step(at[0]!, at[1]!, at[2]!, at[3]!, n, ...args);
    const f = Math.fround;
    const [coef, b1, b2, w1, w2, stepSize, bc2Sqrt, eps] = args.map(f) as typeof args;
    for (let i = 0; i < n; i++) {
      const gi = f(g[i]! * coef);
      const mi = f(f(m0[i]! * b1) + f(gi * w1));
      const vi = f(f(v0[i]! * b2) + f(f(gi * gi) * w2));
      const denom = f(f(f(Math.sqrt(vi)) / bc2Sqrt) + eps);
      expect([m[i], v[i], p[i]]).toEqual([mi, vi, f(p0[i]! - f(f(mi / denom) * stepSize))]);
    }
  });

  it('step a packed layer as adam_step does and write its Wᵀ as transpose_packed would', () => {
    const [kp, np] = [24, 40];
    const n = kp * np;
    const { k, at } = kernelsWith(n, n, n, n, n, n, n, n, n);
    const [p, m, v, g, p2, m2, v2, wt, wt2] = at.map((a) => k.view(a!, n));
    const rng = new SavableRng(5);
    for (const x of [p!, m!, g!]) x.set(Float32Array.from(x, () => rng.gauss(0, 0.1)));
    v!.set(Float32Array.from(v!, () => rng.random() * 1e-3));
    p2!.set(p!);
    m2!.set(m!);
    v2!.set(v!);
    const args = adamKernelArgs(
      { coef: 0.8, learningRate: 1e-3, iteration: 3 },
      { beta1: 0.9, beta2: 0.999, epsilon: 1e-5 },
    );
    k.x.adam_step(at[0]!, at[1]!, at[2]!, at[3]!, n, ...args);
    k.x.transpose_packed(kp, np, at[0]!, at[7]!);
    k.x.adam_step_transposed(at[4]!, at[5]!, at[6]!, at[3]!, kp, np, at[8]!, ...args);
    expect([...p2!]).toEqual([...p!]);
    expect([...m2!]).toEqual([...m!]);
    expect([...v2!]).toEqual([...v!]);
    expect([...wt2!]).toEqual([...wt!]);
  });

  it('add shards in order and return the sum of squares', () => {
    const n = 103;
    const { k, at } = kernelsWith(3 * n);
    const g = k.view(at[0]!, 3 * n);
    const rng = new SavableRng(9);
    g.set(Float32Array.from(g, () => rng.gauss(0, 1)));
    const before = g.slice();
    const sumSq = k.x.sum_shards(at[0]! + 4, at[0]! + 4, n, 3, n - 1);
    let expected = 0;
    for (let i = 1; i < n; i++) {
      const s = Math.fround(Math.fround(before[i]! + before[n + i]!) + before[2 * n + i]!);
      expect(g[i]).toBe(s);
      expected += s * s;
    }
    expect(g[0]).toBe(before[0]);
    expect(sumSq).toBeCloseTo(expected, 9);
    expect(k.x.sum_of_squares(at[0]!, 5)).toBeCloseTo(
      [...g.subarray(0, 5)].reduce((a, x) => a + x * x, 0),
      12,
    );
  });
});

describe('packed parameters', () => {
  it('round-trip between the flat and the packed order, and the backward pass returns Σ g² of what it writes', () => {
    const layers = mlpLayers(13, [10, 9], 3);
    const layout = packedLayout(layers);
    const rows = 6;
    const plan = new MemoryPlan();
    const flat = plan.floats(layout.flatCount);
    const back = plan.floats(layout.flatCount);
    const packed = plan.floats(layout.packedCount);
    const grads = plan.floats(layout.packedCount);
    const mlp = planMlp(plan, layers, rows);
    const stack = planStack(plan);
    const k = new Kernels(createKernelMemory(plan.bytes), stack);
    const rng = new SavableRng(12);
    const w = k.view(flat, layout.flatCount);
    w.set(Float32Array.from(w, () => rng.gauss(0, 0.3)));
    packParameters(k, layout, flat, packed);
    unpackParameters(k, layout, packed, back);
    expect(k.view(back, layout.flatCount)).toEqual(w);
    const net = new MlpRunner(k, mlp);
    net.input.set(Float32Array.from({ length: rows * 13 }, () => rng.gauss(0, 1)));
    net.useWeights(packed);
    net.forward(rows);
    net.dOutput.set(Float32Array.from({ length: rows * 3 }, () => rng.gauss(0, 1)));
    const sumSq = net.backward(grads);
    unpackParameters(k, layout, grads, back);
    const g = k.view(back, layout.flatCount);
    expect(sumSq).toBeCloseTo(
      g.reduce((a, x) => a + x * x, 0),
      10,
    );
    // The padding of the packed gradient is exactly zero (so Adam leaves the padded weights at zero).
    const all = k.view(grads, layout.packedCount).reduce((a, x) => a + x * x, 0);
    expect(all).toBeCloseTo(sumSq, 10);
  });
});
