/**
 * The closed loop, on a real Temporal dev server and a real Docker engine: two (model, MIG profile) pairs on two
 * emulated GPUs are profiled by one ProfilingSweepWorkflow (the emulator container has known α, β, σ), then
 * FitWritebackWorkflow fits them and writes into a copy of simulation_config.yaml. The fitted α and β must land
 * within 5 % of the emulator's truth, and the KV-cache size and restart time must reach the file.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Client, type Connection, WorkflowFailedError } from '@temporalio/client';
import type { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { type NativeConnection, Worker } from '@temporalio/worker';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';
import { createActivities } from '../../activities/index.js';
import type {
  EmulatedEngineInput,
  FitWritebackResult,
  ProfilingSweepInput,
  ProfilingSweepResult,
} from '../../contracts/index.js';
import { gpuTaskQueue } from '../../contracts/temporal/index.js';
import { StageCache } from '../../core/cache/index.js';
import { EngineContainers } from '../../core/engines/engine-containers.js';
import { PROJECT_ROOT } from '../../core/paths.js';
import { buildVllmEmulatorImage } from '../../emulators/vllm-emulator-image.js';
import { testClient, uniqueQueue, workerConnection, workflowBundle } from '../helpers/temporal.js';

let client: Client;
let connection: Connection;
let native: NativeConnection;
let tmp: string;
const docker = new Docker();

beforeAll(async () => {
  await docker.ping().catch(() => {
    throw new Error('the Docker engine is not reachable — start it (see .ci/run)');
  });
  await buildVllmEmulatorImage(docker);
  ({ client, connection } = await testClient());
  native = await workerConnection();
  tmp = mkdtempSync(join(tmpdir(), 'migflow-profiling-it-'));
}, 300_000);
afterAll(async () => {
  await native?.close();
  await connection?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/**
 * Emulator truths, distinct per pair. Latencies are long (prefill α about a second, decode steps of 0.1–0.2 s): on a
 * loaded 2-core machine the emulator and the client run some ms late, which lands in the intercepts and must stay
 * well below 5 % of them. (The emulator runs prefills side by side, so long TTFTs cost the sweep little time.)
 */
const TRUTH_A: EmulatedEngineInput = {
  prefill: { alpha: 1.0, beta: 0.001, sigma: 0.02 },
  decode: { alpha: 0.1, beta: 0.01, sigma: 0.002 },
  kvCacheTokens: 35_225,
  bootMs: 600,
  seed: 1,
  naturalOutputMax: 16,
};
const TRUTH_B: EmulatedEngineInput = {
  prefill: { alpha: 0.8, beta: 0.0012, sigma: 0.02 },
  decode: { alpha: 0.08, beta: 0.012, sigma: 0.002 },
  kvCacheTokens: 69_322,
  bootMs: 900,
  seed: 2,
};

/** The YAML write-back keeps 10 significant digits. */
function expectWritten(written: number, value: number) {
  expect(Math.abs(written - value) / Math.abs(value), `${written} vs ${value}`).toBeLessThan(1e-9);
}

function within5(actual: number, truth: number) {
  expect(Math.abs(actual - truth) / truth, `${actual} vs truth ${truth}`).toBeLessThan(0.05);
}

async function workers(mainQueue: string, artifacts: string) {
  const deps = {
    projectRoot: PROJECT_ROOT,
    cache: new StageCache({ root: artifacts, migflowVersion: 'test' }),
    childEnv: {},
  };
  const main = await Worker.create({
    connection: native,
    namespace: inject('temporalNamespace'),
    taskQueue: mainQueue,
    workflowBundle: await workflowBundle(),
    activities: createActivities(deps),
  });
  // Two emulated GPU workers, one heavy activity each, as workers/gpu-worker.ts runs them.
  const gpus = [0, 1].map((gpu) =>
    Worker.create({
      connection: native,
      namespace: inject('temporalNamespace'),
      taskQueue: gpuTaskQueue(gpu),
      activities: createActivities(deps),
      maxConcurrentActivityTaskExecutions: 1,
    }),
  );
  return [main, ...(await Promise.all(gpus))];
}

async function runAll<T>(ws: Worker[], p: Promise<T>): Promise<T> {
  const runs = ws.map((w) => w.run());
  try {
    return await p;
  } finally {
    for (const w of ws) w.shutdown();
    await Promise.all(runs);
  }
}

describe('profiling closed loop', () => {
  it('profiles two (model, profile) pairs on two emulated GPUs from one workflow and writes fits within 5 % of the truth', async () => {
    const queue = uniqueQueue('profiling');
    const config = join(tmp, 'simulation_config.yaml');
    copyFileSync(join(PROJECT_ROOT, 'configs', 'simulation_config.yaml'), config);
    const artifacts = join(tmp, 'artifacts');
    // A dozen prepared coder rows whose prompts the profiled engine answers (generate → generate_path).
    const dataset = join(tmp, 'coder-rows.jsonl');
    const rows = readFileSync(join(PROJECT_ROOT, 'datasets', 'samples', 'coder.jsonl'), 'utf8').split('\n');
    writeFileSync(dataset, `${rows.slice(0, 12).join('\n')}\n`);
    const input: ProfilingSweepInput = {
      runId: `${queue}-run`,
      simulationConfig: config,
      targets: [
        {
          model: 'qwen2.5-coder-7b-instruct',
          profile: '3g.20gb',
          gpu: 0,
          emulated: TRUTH_A,
          generateDataset: dataset,
        },
        { model: 'qwen2.5-3b-instruct', profile: '1g.10gb', gpu: 1, emulated: TRUTH_B },
      ],
      plan: {
        // Few prompts, moderate rate: prefills rarely overlap, as at the reference's 0.4 req/s.
        prefill: { numPrompts: 40, requestRate: 4 },
        // Fixed output length and prompts a multiple of every N: each level runs at its N almost all the time.
        concurrency: {
          levels: [2, 4, 8],
          promptsPerLevel: 8,
          outputLen: 20,
          rangeRatio: 0,
          pauseBetweenLevelsMs: 200,
        },
      },
      engine: { healthTimeoutS: 60 },
    };
    const ws = await workers(queue, artifacts);
    const { sweep, fit } = await runAll(
      ws,
      (async () => {
        const sweep = (await client.workflow.execute('ProfilingSweepWorkflow', {
          taskQueue: queue,
          workflowId: `${queue}/sweep`,
          args: [input],
        })) as ProfilingSweepResult;
        const fit = (await client.workflow.execute('FitWritebackWorkflow', {
          taskQueue: queue,
          workflowId: `${queue}/fit`,
          args: [{ profiles: sweep.profiles, simulationConfig: config }],
        })) as FitWritebackResult;
        return { sweep, fit };
      })(),
    );

    expect(sweep.profiles.map((p) => [p.model, p.profile, p.hit])).toEqual([
      ['qwen2.5-coder-7b-instruct', '3g.20gb', false],
      ['qwen2.5-3b-instruct', '1g.10gb', false],
    ]);
    // KV size from the log line "GPU KV cache size: N tokens" / "Available KV cache memory": N·KB/1024² GiB.
    expect(sweep.profiles[0]!.kvCacheGb).toBeCloseTo((35_225 * 56) / 1048576, 2);
    expect(sweep.profiles[1]!.kvCacheGb).toBeCloseTo((69_322 * 36) / 1048576, 2);
    // Restart = down + up + boot until /health: at least the emulated boot time.
    expect(sweep.profiles[0]!.restartTimeS).toBeGreaterThan(0.6);
    expect(sweep.profiles[1]!.restartTimeS).toBeGreaterThan(0.9);

    // Power: nvidia-smi (the emulator, one A100 per profiled slice) read while the sweeps ran. Its truth: board idle
    // 56.4 W, and (392 − 56.4)·compute/7 W more while the slice's engine is busy. Readings and utilisation are taken a
    // moment apart, so the fit is looser than the latency fits.
    const dynamicTruth = (c: number) => ((392 - 56.4) * c) / 7;
    for (const [p, c] of [
      [sweep.profiles[0]!, 3],
      [sweep.profiles[1]!, 1],
    ] as const) {
      expect(p.power?.status, JSON.stringify(p.power)).toBe('measured');
      if (p.power?.status !== 'measured') continue;
      expect(Math.abs(p.power.idleW - 56.4) / 56.4, JSON.stringify(p.power)).toBeLessThan(0.15);
      expect(
        Math.abs(p.power.dynamicW - dynamicTruth(c)) / dynamicTruth(c),
        JSON.stringify(p.power),
      ).toBeLessThan(0.25);
    }

    // The measured power replaced the documented default (50 W idle, 400 W max) for the profiled slices.
    const pa = sweep.profiles[0]!.power as { idleW: number; dynamicW: number };
    const pb = sweep.profiles[1]!.power as { idleW: number; dynamicW: number };
    const boardIdle = (pa.idleW + pb.idleW) / 2;
    const power = parse(readFileSync(config, 'utf8')).power.A100_40GB;
    expectWritten(power.idle_w, boardIdle);
    expectWritten(power.profiles['3g.20gb'].idle_w, (boardIdle * 3) / 7);
    expect(power.profiles['3g.20gb'].max_w - power.profiles['3g.20gb'].idle_w).toBeCloseTo(pa.dynamicW, 6);
    expect(power.profiles['1g.10gb'].max_w - power.profiles['1g.10gb'].idle_w).toBeCloseTo(pb.dynamicW, 6);
    expect(fit.writeBack.power).toEqual([
      expect.stringMatching(
        /^A100_40GB 3g\.20gb: measured board idle [\d.]+ W, \+[\d.]+ W at full utilisation/,
      ),
      expect.stringMatching(/^A100_40GB 1g\.10gb: measured board idle/),
    ]);
    const [fa, fb] = fit.fits;
    for (const [f, t] of [
      [fa!, TRUTH_A],
      [fb!, TRUTH_B],
    ] as const) {
      within5(f.prefill.alpha, t.prefill.alpha);
      within5(f.prefill.beta, t.prefill.beta);
      within5(f.tpot.alpha, t.decode.alpha);
      within5(f.tpot.beta, t.decode.beta);
    }

    expect(fit.writeBack.changed).toBe(true);
    expect(fit.writeBack.entries.sort()).toEqual([
      'ChatAgent.A100_40GB.1g.10gb',
      'CodingAgent.A100_40GB.3g.20gb',
      'RAGAgent.A100_40GB.1g.10gb',
    ]);
    const doc = parse(readFileSync(config, 'utf8'));
    const coding = doc.simulation.agents.CodingAgent.A100_40GB.mig['3g.20gb'];
    expectWritten(coding.kv_cache_GB, sweep.profiles[0]!.kvCacheGb);
    expectWritten(coding.restart_time, sweep.profiles[0]!.restartTimeS);
    expectWritten(coding.param.prefill.beta, fa!.prefill.beta);
    expectWritten(coding.param.tpot.alpha, fa!.tpot.alpha);
    // generate: one line per dataset row with the emulator's token usage, and its path in the config.
    const generated = sweep.profiles[0]!.generatePath!;
    const lines = readFileSync(generated, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(12);
    expect(lines.every((l) => l.prompt_tokens > 0 && l.completion_tokens > 0)).toBe(true);
    expect(coding.generate_path).toBe(generated);
    expect(sweep.profiles[1]!.generatePath).toBeUndefined();
    const rag = doc.simulation.agents.RAGAgent.A100_40GB.mig['1g.10gb'];
    expectWritten(rag.param.tpot.beta, fb!.tpot.beta);
    expectWritten(rag.restart_time, sweep.profiles[1]!.restartTimeS);
    // The comments survive.
    expect(readFileSync(config, 'utf8')).toContain('# Which agents take part.');

    // No engine container is left behind.
    expect(await new EngineContainers(docker).list(`profile-${input.runId}`)).toEqual([]);

    // Same inputs again: every stage is a cache hit and the file is not touched.
    const bytes = readFileSync(config);
    const mtime = statSync(config).mtimeMs;
    const ws2 = await workers(queue, artifacts);
    const again = await runAll(
      ws2,
      (async () => {
        const s2 = (await client.workflow.execute('ProfilingSweepWorkflow', {
          taskQueue: queue,
          workflowId: `${queue}/sweep-again`,
          args: [input],
        })) as ProfilingSweepResult;
        return (await client.workflow.execute('FitWritebackWorkflow', {
          taskQueue: queue,
          workflowId: `${queue}/fit-again`,
          args: [{ profiles: s2.profiles, simulationConfig: config }],
        })) as FitWritebackResult;
      })(),
    );
    expect(again.fits.map((f) => f.hit)).toEqual([true, true]);
    expect(again.writeBack.changed).toBe(false);
    expect(readFileSync(config).equals(bytes)).toBe(true);
    expect(statSync(config).mtimeMs).toBe(mtime);
  }, 240_000);

  it('fails once, without retries, naming the config and the model, when a target names a model the registry lacks', async () => {
    const queue = uniqueQueue('profiling-bad');
    const ws = await workers(queue, join(tmp, 'artifacts-bad'));
    const err = await runAll(
      ws,
      client.workflow
        .execute('ProfilingSweepWorkflow', {
          taskQueue: queue,
          workflowId: `${queue}/bad`,
          args: [
            {
              targets: [{ model: 'qwen9-1t', profile: '1g.10gb', gpu: 0 }],
              engine: { emulated: TRUTH_A },
            } satisfies ProfilingSweepInput,
          ],
        })
        .catch((e: unknown) => e),
    );
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const activity = (err as WorkflowFailedError).cause as ActivityFailure;
    const app = activity.cause as ApplicationFailure;
    expect(app.type).toBe('ConfigError');
    expect(app.nonRetryable).toBe(true);
    expect(app.message).toMatch(/simulation_config\.yaml: model\.qwen9-1t: not in the model registry/);
    const history = await client.workflow.getHandle(`${queue}/bad`).fetchHistory();
    const attempts = history.events?.filter((e) => e.activityTaskStartedEventAttributes) ?? [];
    expect(attempts).toHaveLength(1);
  }, 120_000);

  it('stops the fit without retries, naming the bench file and key, when a sweep file holds NaN', async () => {
    const queue = uniqueQueue('fit-bad');
    const dir = join(tmp, 'bad-bench');
    mkdirSync(join(dir, 'tpot'), { recursive: true });
    const prefillFile = join(dir, 'prefill-m-1g.10gb-t.json');
    writeFileSync(prefillFile, JSON.stringify({ input_lens: [100, 200, 300], ttfts: [0.1, 0.12, 0.14] }));
    writeFileSync(
      join(dir, 'tpot', 'tpot-m-concurrency-1-t.json'),
      '{"max_concurrency": 1, "itls": [[0.02]]}',
    );
    const bad = join(dir, 'tpot', 'tpot-m-concurrency-2-t.json');
    writeFileSync(bad, '{"max_concurrency": 2, "itls": [[0.03, NaN]]}');
    const config = join(tmp, 'untouched.yaml');
    copyFileSync(join(PROJECT_ROOT, 'configs', 'simulation_config.yaml'), config);
    const before = readFileSync(config, 'utf8');
    const ws = await workers(queue, join(tmp, 'artifacts-fit-bad'));
    const err = await runAll(
      ws,
      client.workflow
        .execute('FitWritebackWorkflow', {
          taskQueue: queue,
          workflowId: `${queue}/bad`,
          args: [
            {
              simulationConfig: config,
              profiles: [
                {
                  model: 'qwen2.5-3b-instruct',
                  profile: '1g.10gb',
                  gpuModel: 'A100_40GB',
                  prefillFile,
                  tpotDir: join(dir, 'tpot'),
                  kvCacheGb: 2.38,
                  restartTimeS: 60,
                },
              ],
            },
          ],
        })
        .catch((e: unknown) => e),
    );
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const app = ((err as WorkflowFailedError).cause as ActivityFailure).cause as ApplicationFailure;
    expect(app.type).toBe('BenchDataError');
    expect(app.nonRetryable).toBe(true);
    expect(app.message).toContain(`${bad}: itls[0][1]: not a finite number (NaN)`);
    expect(readFileSync(config, 'utf8')).toBe(before);
  }, 120_000);
});
