/**
 * Vectorised environments (`training.PPO.n_envs`): each environment has its own seeded stream (env 0 keeps the
 * single-environment seeds); the hand-written shard gradient of the data-parallel update equals the tape gradient
 * of the PPO loss; worker threads and the in-process fallback train identically; a two-environment run repeats
 * itself run to run; and a trainer killed with SIGKILL resumes every environment from its last checkpoint.
 */

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { readTrainingConfig } from '../../../core/config/index.js';
import { loadSimulationConfig } from '../../../core/config/simulation.js';
import { seededEnvRng } from '../../../core/control/index.js';
import { readCheckpoint } from '../../../core/rl/checkpoint-format.js';
import { ActorCriticPolicy } from '../../../core/rl/policy.js';
import { type PpoBatch, ppoLoss } from '../../../core/rl/ppo.js';
import { ppoShardGradientsOnce, SHARD_STAT_COUNT, type ShardBatch } from '../../../core/rl/ppo-gradients.js';
import { SavableRng } from '../../../core/rl/rng.js';
import { RolloutForward, VALUE_BATCH } from '../../../core/rl/rollout-forward.js';
import { shardRange } from '../../../core/rl/sharded-update.js';
import { PpoTrainer } from '../../../core/rl/trainer.js';
import { InProcessVecEnv, type VecEnv } from '../../../core/rl/vec-env.js';
import { runTraining, trainerConfigFrom } from '../../../core/stages/train/train-run.js';
import {
  createTrainEnv,
  envEpisodeSeed,
  episodeSeed,
  tokenTableSet,
} from '../../../core/stages/train/vec-env-host.js';
import { WorkerVecEnv } from '../../../core/stages/train/vec-env-workers.js';
import { syntheticTokenTables } from '../../../core/workload/index.js';
import { cpuBoundTimeout } from '../../helpers/cpu-bound.js';
import { digestRun } from './run-digest.js';
import { TINY_PPO } from './setup.js';
import { useTfBackend } from './tf-setup.js';

/**
 * The four training tests of 'two environments' took 10.7, 5.9, 11.6 and 13.3 s at load 9–10 (above their quiet
 * times; the worker threads share the same two cores); the default 60 s ran out at load > 15.
 */
const TRAINING_TIMEOUT = cpuBoundTimeout(14);

useTfBackend();

const tmp = mkdtempSync(join(tmpdir(), 'migflow-rl-vec-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const TINY = { ...TINY_PPO, 'training.PPO.n_envs': 2 };
const SIM = 'configs/simulation_config.yaml';
const TRAINING = 'configs/training_config.yaml';

describe('per-environment streams', () => {
  it('env 0 keeps the single-environment seeds; other environments draw streams of their own', () => {
    for (const k of [0, 1, 7]) expect(envEpisodeSeed(4, 0, k)).toBe(episodeSeed(4, k));
    const first = (seed: bigint) => seededEnvRng(seed).random();
    const draws = new Set<number>();
    for (let e = 0; e < 4; e++) for (let k = 0; k < 4; k++) draws.add(first(envEpisodeSeed(4, e, k)));
    expect(draws.size).toBe(16);
  });
});

describe('the fused forward pass of several environments', () => {
  it('decides like the tanh policy: same actions, log-probabilities and values to float precision', () => {
    const shape = { obsSize: 7, actionCount: 6, netArch: { pi: [32, 32], vf: [32, 16] } };
    const policy = new ActorCriticPolicy(shape, 9);
    const fused = new RolloutForward(shape, 5);
    fused.load(policy.readWeights());
    const rng = new SavableRng(4);
    const n = 5;
    const obs = Float32Array.from({ length: n * 7 }, () => rng.gauss(0, 2));
    const masks = Uint8Array.from({ length: n * 6 }, (_, i) => (i % 6 === 0 || rng.random() < 0.5 ? 1 : 0));
    const draws = Array.from({ length: n }, () => rng.random());
    const out = { actions: new Int32Array(n), values: new Float32Array(n), logProbs: new Float32Array(n) };
    fused.actBatch(obs, masks, n, draws, out);
    for (let e = 0; e < n; e++) {
      const r = policy.act(obs.subarray(e * 7, (e + 1) * 7), masks.subarray(e * 6, (e + 1) * 6), draws[e]!);
      expect(out.actions[e]).toBe(r.action);
      expect(out.logProbs[e]).toBeCloseTo(r.logProb, 5);
      expect(out.values[e]).toBeCloseTo(r.value, 5);
    }
    expect([...fused.predictValues(obs, n)]).toEqual([...out.values]);
    fused.dispose();
    policy.dispose();
  });

  it("gives a rollout's values in batches bit for bit as the per-step pass gave them", () => {
    // The trainer decides with the actor alone and fills the stored steps' values in batches of VALUE_BATCH rows
    // (tiles of four rows) when the rollout ends; per step they came two or three rows at a time (a pair tile).
    const shape = { obsSize: 13, actionCount: 6, netArch: { pi: [24], vf: [40, 24] } };
    const policy = new ActorCriticPolicy(shape, 3);
    const rng = new SavableRng(8);
    for (const envs of [2, 3]) {
      const fused = new RolloutForward(shape, envs);
      fused.load(policy.readWeights());
      const rows = (VALUE_BATCH + 37) * envs;
      const obs = Float32Array.from({ length: rows * 13 }, () => rng.gauss(0, 2));
      const perStep = new Float32Array(rows);
      for (let r = 0; r < rows; r += envs) perStep.set(fused.predictValues(obs.subarray(r * 13), envs), r);
      const batched = new Float32Array(rows).fill(Number.NaN);
      fused.values(obs, envs, rows, batched);
      expect(Number.isNaN(batched[0]!)).toBe(true);
      expect([...batched.subarray(envs)]).toEqual([...perStep.subarray(envs)]);
      fused.dispose();
    }
    policy.dispose();
  });
});

describe('the data-parallel update', () => {
  // Sizes off the kernels' tiles (rows in fours, columns in eights) and the default network's.
  it.each([
    { obsSize: 6, actionCount: 5, netArch: { pi: [12, 9], vf: [10] }, n: 13 },
    { obsSize: 171, actionCount: 55, netArch: { pi: [512, 512], vf: [512, 512] }, n: 22 },
  ])(
    'adds shard gradients up to the tape gradient of the PPO loss ($netArch.pi, $n rows)',
    ({ n, ...shape }) => {
      const { obsSize: o, actionCount: a } = shape;
      const rng = new SavableRng(11);
      const g = () => rng.gauss(0, 1);
      // Random weights of the scale orthogonal initialisation gives (which is slow for wide layers in tfjs).
      const policy = new ActorCriticPolicy(shape, 3, 'zeros');
      policy.writeWeights(Float32Array.from({ length: policy.parameterCount }, () => 0.05 * g()));
      const obs = Float32Array.from({ length: n * o }, g);
      const masks = Uint8Array.from({ length: n * a }, (_, i) => (i % a === 0 || rng.random() < 0.6 ? 1 : 0));
      const actions = Int32Array.from({ length: n }, (_, i) => {
        const valid = [...Array(a).keys()].filter((k) => masks[i * a + k] === 1);
        return valid[Math.floor(rng.random() * valid.length)]!;
      });
      const oldLogProb = Float32Array.from({ length: n }, () => -Math.log(a / 2) + 0.3 * g());
      const oldValues = Float32Array.from({ length: n }, g);
      const advantages = Float32Array.from({ length: n }, g);
      const returns = Float32Array.from({ length: n }, g);
      const hp = { clipRange: 0.2, clipRangeVf: 0.2, entCoef: 0.01, vfCoef: 0.5, normalizeAdvantage: false };

      const batch: PpoBatch = {
        obs: tf.tensor2d(obs, [n, o]),
        masks: tf.tensor2d(masks, [n, a], 'int32'),
        actions: tf.tensor1d(actions, 'int32'),
        oldLogProb: tf.tensor1d(oldLogProb),
        oldValues: tf.tensor1d(oldValues),
        advantages: tf.tensor1d(advantages),
        returns: tf.tensor1d(returns),
      };
      const vars = policy.variables();
      const terms = tf.tidy(() => {
        const l = ppoLoss(policy, batch, hp);
        return [l.policyLoss, l.valueLoss, l.entropyLoss, l.approxKl, l.clipFraction].map(
          (t) => t.dataSync()[0]!,
        );
      });
      const { grads } = tf.variableGrads(() => ppoLoss(policy, batch, hp).loss, vars);
      const tape = vars.flatMap((v) => [...grads[v.name]!.dataSync()]);

      const weights = policy.readWeights();
      const shards = 3;
      const sum = new Float64Array(policy.parameterCount);
      const out = new Float32Array(policy.parameterCount);
      const stats = new Float64Array(SHARD_STAT_COUNT);
      for (let k = 0; k < shards; k++) {
        const [from, to] = shardRange(0, n, k, shards);
        const b: ShardBatch = {
          n: to - from,
          obs: obs.slice(from * o, to * o),
          masks: masks.slice(from * a, to * a),
          actions: actions.slice(from, to),
          oldLogProb: oldLogProb.slice(from, to),
          oldValues: oldValues.slice(from, to),
          advantages: advantages.slice(from, to),
          returns: returns.slice(from, to),
        };
        ppoShardGradientsOnce(policy.shape, weights, b, hp, n, out, stats);
        out.forEach((x, i) => {
          sum[i] = sum[i]! + x;
        });
      }
      const maxDiff = (x: ArrayLike<number>) => tape.reduce((w, t, i) => Math.max(w, Math.abs(x[i]! - t)), 0);
      const scale = maxDiff(new Float32Array(tape.length));
      expect(scale).toBeGreaterThan(1e-3);
      // The actor's and the critic's parts, computed apart (as two workers do), fill the same vector.
      const parts = new Float32Array(policy.parameterCount);
      const whole: ShardBatch = { n, obs, masks, actions, oldLogProb, oldValues, advantages, returns };
      ppoShardGradientsOnce(policy.shape, weights, whole, hp, n, parts, stats, 'pi');
      ppoShardGradientsOnce(policy.shape, weights, whole, hp, n, parts, stats, 'vf');
      expect(maxDiff(parts)).toBeLessThan(1e-5 * scale);
      // The loss terms the update logs: the shard sums over n (entropy loss is −H) against tfjs's.
      const both = new Float64Array(SHARD_STAT_COUNT);
      ppoShardGradientsOnce(policy.shape, weights, whole, hp, n, parts, both);
      const logged = [both[0]! / n, both[1]! / n, -both[2]! / n, both[3]! / n, both[4]! / n];
      logged.forEach((x, i) => {
        expect(x).toBeCloseTo(terms[i]!, 5);
      });
      expect(maxDiff(sum)).toBeLessThan(1e-5 * scale);
      tf.dispose([...Object.values(grads), ...Object.values(batch)]);
      policy.dispose();
    },
  );
});

describe('two environments', { timeout: TRAINING_TIMEOUT }, () => {
  const simulation = loadSimulationConfig(SIM);
  const { training, yaml } = readTrainingConfig(TRAINING, TINY);
  const tokens = syntheticTokenTables(5);

  async function trainWith(env: VecEnv, steps = 128): Promise<Map<string, Float32Array>> {
    const trainer = new PpoTrainer(env, trainerConfigFrom(training, steps, 5));
    try {
      await trainer.learn();
      return new Map(trainer.exportState().tensors);
    } finally {
      trainer.dispose();
      await trainer.close();
    }
  }

  const specs = (count: number) =>
    Array.from({ length: count }, (_, envIndex) => ({
      trainingConfigFile: training.file,
      trainingConfigYaml: yaml,
      simulationConfigFile: SIM,
      simulationConfigYaml: readFileSync(SIM, 'utf8'),
      tokenTables: tokenTableSet(simulation, tokens),
      runSeed: 5,
      envIndex,
      stepLogs: false,
    }));
  const inProcess = (count: number) =>
    new InProcessVecEnv(
      Array.from({ length: count }, (_, envIndex) =>
        createTrainEnv({ simulation, training, tokens, runSeed: 5, envIndex, stepLogs: false }),
      ),
    );

  it('three environments (two actor shards added up, one critic shard) train identically on workers and here', async () => {
    const local = await trainWith(inProcess(3), 126);
    const workers = await trainWith(await WorkerVecEnv.start(specs(3)), 126);
    for (const [name, values] of local) {
      expect(workers.get(name), name).toEqual(values);
      if (!name.startsWith('buffer/')) expect(values.every(Number.isFinite), name).toBe(true);
    }
  });

  it('train identically on worker threads and in this thread', async () => {
    const local = await trainWith(
      new InProcessVecEnv(
        [0, 1].map((envIndex) =>
          createTrainEnv({ simulation, training, tokens, runSeed: 5, envIndex, stepLogs: false }),
        ),
      ),
    );
    const workers = await trainWith(
      await WorkerVecEnv.start(
        [0, 1].map((envIndex) => ({
          trainingConfigFile: training.file,
          trainingConfigYaml: yaml,
          simulationConfigFile: SIM,
          simulationConfigYaml: readFileSync(SIM, 'utf8'),
          tokenTables: tokenTableSet(simulation, tokens),
          runSeed: 5,
          envIndex,
          stepLogs: false,
        })),
      ),
    );
    expect([...workers.keys()]).toEqual([...local.keys()]);
    for (const [name, values] of local) expect(workers.get(name), name).toEqual(values);
  });

  it('repeat themselves run to run on a fixed seed', async () => {
    const run = async (name: string) => {
      const runDir = join(tmp, name);
      const r = await runTraining({
        trainingConfigPath: TRAINING,
        simulationConfigPath: SIM,
        overrides: TINY,
        runDir,
        totalSteps: 160,
        checkpointEverySteps: 48,
        seed: 2,
        syntheticTokens: true,
      });
      expect(r.steps).toBe(160);
      return digestRun(runDir);
    };
    const a = await run('repeat-a');
    const b = await run('repeat-b');
    // Checkpoints where the step count crosses a multiple of 48 (env steps advance by 2), then the end.
    expect(
      Object.keys(a)
        .filter((k) => k.endsWith('tensors.bin'))
        .sort(),
    ).toEqual(
      ['final', 'rl_model_48_steps', 'rl_model_96_steps', 'rl_model_144_steps', 'rl_model_160_steps']
        .map((d) => `${d}/tensors.bin`)
        .sort(),
    );
    expect(b).toEqual(a);
  });

  it('a trainer killed with SIGKILL resumes every environment from its last checkpoint', async () => {
    const runDir = join(tmp, 'killed');
    const args = {
      trainingConfigPath: TRAINING,
      simulationConfigPath: SIM,
      overrides: TINY,
      runDir,
      totalSteps: 192,
      // Two episodes of 16 decisions per environment between checkpoints: they fall on episode ends.
      checkpointEverySteps: 64,
      seed: 6,
      syntheticTokens: true,
    };
    // The train stage's child entry, as a worker starts it (its arguments are the stage's input and run directory).
    const childArgs = {
      trainingConfig: TRAINING,
      simulationConfig: SIM,
      overrides: TINY,
      runDir,
      totalSteps: 192,
      checkpointEverySteps: 64,
      seed: 6,
      syntheticTokens: true,
    };
    const child = execa(
      'node',
      ['--import', 'tsx', 'core/stages/train/train-child.ts', JSON.stringify(childArgs)],
      { reject: false, buffer: false },
    );
    let killedAfter: number | undefined;
    const lines = (async () => {
      let rest = '';
      for await (const chunk of child.stdout!) {
        rest += String(chunk);
        const parts = rest.split('\n');
        rest = parts.pop()!;
        for (const line of parts) {
          const m = JSON.parse(line) as { type: string; progress?: { lastCheckpoint?: string } };
          const ck = m.progress?.lastCheckpoint;
          const steps = ck ? Number(/rl_model_(\d+)_steps/.exec(ck)?.[1]) : 0;
          if (killedAfter === undefined && steps >= 64) {
            killedAfter = steps;
            child.kill('SIGKILL');
          }
        }
      }
    })();
    const ended = await child;
    await lines;
    expect(ended.signal).toBe('SIGKILL');
    expect(killedAfter).toBeDefined();
    const checkpoints = readdirSync(join(runDir, 'checkpoints'))
      .map((d) => /^rl_model_(\d+)_steps$/.exec(d))
      .filter((m) => m !== null)
      .map((m) => Number(m[1]));
    const last = Math.max(...checkpoints);
    expect(last).toBeGreaterThanOrEqual(64);
    expect(last).toBeLessThan(192);
    const from = join(runDir, 'checkpoints', `rl_model_${last}_steps`);
    const saved = readCheckpoint(from).meta.trainer as { envs: { resets: number }[] };
    // Both environments were running; each has started last / 2 / 16 episodes.
    expect(saved.envs.map((e) => e.resets)).toEqual([last / 32, last / 32]);

    const result = await runTraining({ ...args, resumeFrom: from });
    expect(result.steps).toBe(192);
    expect(result.episodes).toBe(12);
    const final = readCheckpoint(result.finalCheckpoint).meta.trainer as {
      nEnvs: number;
      envs: { resets: number }[];
    };
    expect(final.nEnvs).toBe(2);
    // Every environment went on counting its resets (so its seeds) from the checkpoint: 6 episodes each.
    expect(final.envs.map((e) => e.resets)).toEqual([6, 6]);
    const episodes = readFileSync(join(runDir, 'logs', 'episodes.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { episode: number; steps: number; env: number });
    expect(episodes.map((e) => e.episode)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(episodes.filter((e) => e.env === 0)).toHaveLength(6);
    expect(episodes.filter((e) => e.env === 1)).toHaveLength(6);
    for (let i = 1; i < episodes.length; i++)
      expect(episodes[i]!.steps).toBeGreaterThanOrEqual(episodes[i - 1]!.steps);
    expect(existsSync(join(runDir, 'logs', 'train', 'episode_12.jsonl'))).toBe(true);
  });
});
