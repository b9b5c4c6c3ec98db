/**
 * The bench and train stages' cache keys cover every file the run reads through the simulation config — a model's
 * vLLM config (max_num_batched_tokens, max_model_len), a GPU model file, a task overlay's model — and no file it
 * does not read. The configs are copied into a temp folder so the test can edit them.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StageCache } from '../../../core/cache/index.js';
import { loadSimulationConfig } from '../../../core/config/index.js';
import { benchStage } from '../../../core/stages/bench/index.js';
import { trainStage } from '../../../core/stages/train/index.js';

let dir: string;
let sim: string;
let task: string;
let cache: StageCache;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'migflow-stage-keys-'));
  cpSync('configs/gpus', join(dir, 'gpus'), { recursive: true });
  cpSync('configs/models', join(dir, 'models'), { recursive: true });
  // The configs name model files relative to the working directory: point them at the copies.
  const models = `${join(dir, 'models')}/`;
  sim = join(dir, 'simulation_config.yaml');
  writeFileSync(
    sim,
    readFileSync('configs/simulation_config.yaml', 'utf8').replaceAll('configs/models/', models),
  );
  writeFileSync(
    join(dir, 'overlay.yaml'),
    readFileSync('configs/tasks/overlays/long-context-rag.yaml', 'utf8').replaceAll(
      'configs/models/',
      models,
    ),
  );
  task = join(dir, 'hard.yaml');
  writeFileSync(
    task,
    readFileSync('configs/tasks/hard.yaml', 'utf8')
      .replace('bench_config: ../bench_config.yaml', `bench_config: ${resolve('configs/bench_config.yaml')}`)
      .replace('simulation_overlay: overlays/long-context-rag.yaml', 'simulation_overlay: overlay.yaml'),
  );
  cache = new StageCache({ root: join(dir, 'artifacts'), migflowVersion: '0.0.0-test' });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The keys of a bench trial and a training run on `sim`, without and with the task. */
async function keys(): Promise<string[]> {
  const bench = {
    policy: 'heuristic',
    simulationConfig: sim,
    trainingConfig: 'configs/training_config.yaml',
    benchConfig: 'configs/bench_config.yaml',
    syntheticTokens: true,
  };
  const train = {
    trainingConfig: 'configs/training_config.yaml',
    simulationConfig: sim,
    overrides: {},
    seed: 0,
    syntheticTokens: true,
  };
  const requests = [
    await benchStage.request(bench),
    await benchStage.request({ ...bench, task }),
    await trainStage.request(train),
    await trainStage.request({ ...train, task }),
  ];
  return Promise.all(requests.map(async (r) => (await cache.key(r)).key));
}

/** Rewrites `key: <number>` in a YAML file. */
function setKey(file: string, key: string, value: number): void {
  const text = readFileSync(file, 'utf8');
  const next = text.replace(new RegExp(`^${key}: .*$`, 'm'), `${key}: ${value}`);
  expect(next).not.toBe(text);
  writeFileSync(file, next);
}

describe('the bench and train stages’ cache keys', () => {
  it('change with the vLLM config of a model an engine serves, with or without a task', async () => {
    const cfg = loadSimulationConfig(sim);
    const served = cfg.models[cfg.engines.CodingAgent!.A100_40GB!['3g.20gb']!.model]!.vllmConfig;
    const before = await keys();
    setKey(served, 'max_num_batched_tokens', 1024);
    const after = await keys();
    for (let i = 0; i < before.length; i++) expect(after[i]).not.toBe(before[i]);
  }, 60_000);

  it('change with a GPU model file', async () => {
    const before = await keys();
    writeFileSync(
      join(dir, 'gpus', 'A100_40GB.yaml'),
      `${readFileSync(join(dir, 'gpus', 'A100_40GB.yaml'), 'utf8')}\n# edited\n`,
    );
    const after = await keys();
    for (let i = 0; i < before.length; i++) expect(after[i]).not.toBe(before[i]);
  }, 60_000);

  it('change with the model a task’s overlay adds only for runs on that task', async () => {
    const [bench, benchTask, train, trainTask] = await keys();
    setKey(join(dir, 'models', 'qwen2_5-7b-instruct-1m.yaml'), 'max_model_len', 65536);
    const after = await keys();
    expect(after[0]).toBe(bench);
    expect(after[1]).not.toBe(benchTask);
    expect(after[2]).toBe(train);
    expect(after[3]).not.toBe(trainTask);
  }, 60_000);

  it('stay the same when a model no engine serves changes', async () => {
    const before = await keys();
    // In the registry, but served only on B200 slices, and the shipped config manages A100s.
    setKey(join(dir, 'models', 'qwen3-coder-next.yaml'), 'max_num_batched_tokens', 1234);
    expect(await keys()).toEqual(before);
  }, 60_000);
});
