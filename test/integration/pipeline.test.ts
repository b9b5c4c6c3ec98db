/**
 * PipelineWorkflow end to end on a real dev server, real Docker (the vLLM emulator profiled on emulated GPU workers),
 * real worker processes: every stage's artifacts exist, a re-run is all cache hits, and changing one grid value
 * re-runs training for that trial and the bench, nothing upstream.
 */
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { type PipelineWorkers, startPipelineWorkers } from '../../cli/lib/pipeline-workers.js';
import type { PipelineInput, PipelineResult } from '../../contracts/index.js';
import { sha256Hex } from '../../core/cache/hash.js';
import { PROJECT_ROOT } from '../../core/paths.js';
import { tinyPipelineInput } from '../helpers/pipeline.js';
import { testClient, uniqueQueue } from '../helpers/temporal.js';
import { privateGpuIndex } from '../helpers/train.js';

let client: Client;
let connection: Connection;
let workers: PipelineWorkers;
let tmp: string;
let queue: string;
let gpus: [number, number];

beforeAll(async () => {
  ({ client, connection } = await testClient());
  tmp = mkdtempSync(join(tmpdir(), 'migflow-pipeline-it-'));
  queue = uniqueQueue('pipeline');
  const first = privateGpuIndex();
  gpus = [first, first + 1];
  workers = await startPipelineWorkers({
    gpus,
    emulate: true,
    env: {
      ...(process.env as Record<string, string>),
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_NAMESPACE: inject('temporalNamespace'),
      MIGFLOW_TASK_QUEUE: queue,
      MIGFLOW_ARTIFACTS: join(tmp, 'artifacts'),
    },
  });
}, 300_000);
afterAll(async () => {
  await workers?.stop();
  await connection?.close();
  rmSync(tmp, { recursive: true, force: true });
});

async function run(input: PipelineInput, id: string): Promise<PipelineResult> {
  return (await client.workflow.execute('PipelineWorkflow', {
    taskQueue: queue,
    workflowId: `${queue}/${id}`,
    args: [input],
  })) as PipelineResult;
}

const statusByStage = (r: PipelineResult) => Object.fromEntries(r.stages.map((s) => [s.stage, s.status]));
const benchNumbers = (r: PipelineResult) =>
  Object.fromEntries(r.bench!.results.map((b) => [b.policy, b.entry]));

describe('PipelineWorkflow end to end', () => {
  let first: PipelineResult;
  const sourceConfig = join(PROJECT_ROOT, 'configs', 'simulation_config.yaml');
  const sourceHash = sha256Hex(readFileSync(sourceConfig));

  it('runs every stage and leaves each stage’s artifacts, writing the fits into a working copy', async () => {
    first = await run(tinyPipelineInput({ runId: `${queue}-first`, gpus }), 'first');
    expect(statusByStage(first)).toEqual({
      datasets: 'ran',
      profiling: 'ran',
      fit: 'ran',
      validate: 'skipped',
      train: 'ran',
      bench: 'ran',
      deploy: 'skipped',
    });
    for (const d of first.datasets!.datasets) expect(existsSync(d.outputFile)).toBe(true);

    const [profile] = first.profiling!.profiles;
    expect(existsSync(profile!.prefillFile)).toBe(true);
    expect(readdirSync(profile!.tpotDir).filter((f) => f.endsWith('.json')).length).toBe(2);
    // "GPU KV cache size: 36887 tokens" × 56 KB per token of qwen2.5-coder-7b.
    expect(profile!.kvCacheGb).toBeCloseTo((36_887 * 56) / 1048576, 2);

    // The fitted values are in the working copy at the profiled entry; the user's config is untouched.
    const [fit] = first.fit!.fits;
    expect(first.simulationConfig).not.toBe(sourceConfig);
    expect(first.fit!.writeBack.file).toBe(first.simulationConfig);
    const written = parseYaml(readFileSync(first.simulationConfig, 'utf8'));
    const entry = written.simulation.agents.CodingAgent.A100_40GB.mig['3g.20gb'];
    expect(entry.param.prefill.alpha).toBeCloseTo(fit!.prefill.alpha, 9);
    expect(entry.param.tpot.beta).toBeCloseTo(fit!.tpot.beta, 9);
    expect(entry.kv_cache_GB).toBeCloseTo(profile!.kvCacheGb, 2);
    expect(sha256Hex(readFileSync(sourceConfig))).toBe(sourceHash);
    expect(existsSync(fit!.prefillParamFile)).toBe(true);

    const trials = first.train!.trials;
    expect(trials.map((t) => t.status)).toEqual(['completed', 'completed']);
    for (const t of trials) {
      expect(existsSync(join(t.dir!, 'training-curve.png'))).toBe(true);
      expect(existsSync(t.bestCheckpoint!)).toBe(true);
    }

    // Both trials' best checkpoints were benchmarked beside every baseline, with result files and figures.
    const policies = first.bench!.results.map((b) => b.policy);
    expect(policies.filter((p) => p.startsWith('rl:'))).toHaveLength(2);
    expect(policies.filter((p) => !p.startsWith('rl:'))).toEqual([
      'static_no_mig',
      'static_split_extreme',
      'heuristic',
      'qas',
    ]);
    expect(first.bench!.results.map((b) => b.checkpoint).filter(Boolean)).toEqual(
      trials.map((t) => t.bestCheckpoint),
    );
    for (const b of first.bench!.results) {
      const files = readdirSync(b.dir);
      expect(files.some((f) => /^results_.+\.txt$/.test(f))).toBe(true);
      expect(files.some((f) => /^results_.+\.json$/.test(f))).toBe(true);
      expect(existsSync(join(b.dir, 'figs'))).toBe(true);
    }
  }, 600_000);

  it('hits the cache at every stage on a re-run with unchanged inputs, with the same numbers', async () => {
    const again = await run(tinyPipelineInput({ runId: `${queue}-again`, gpus }), 'again');
    expect(statusByStage(again)).toEqual({
      datasets: 'hit',
      profiling: 'hit',
      fit: 'hit',
      validate: 'skipped',
      train: 'hit',
      bench: 'hit',
      deploy: 'skipped',
    });
    // Write-back happens once per change: the second run found the values already there.
    expect(again.fit!.writeBack.changed).toBe(false);
    expect(benchNumbers(again)).toEqual(benchNumbers(first));
  }, 600_000);

  it('re-runs only the changed trial and the bench when one grid value changes', async () => {
    const grid = join(tmp, 'grid_search.yaml');
    copyFileSync(join(PROJECT_ROOT, 'configs', 'grid_search.yaml'), grid);
    const text = readFileSync(grid, 'utf8');
    expect(text).toContain('affinity_bonus_weight: [0.1, 0.2]');
    writeFileSync(
      grid,
      text.replace('affinity_bonus_weight: [0.1, 0.2]', 'affinity_bonus_weight: [0.1, 0.3]'),
    );
    const changed = await run(
      tinyPipelineInput({ runId: `${queue}-changed`, gpus, gridConfig: grid }),
      'changed',
    );
    expect(statusByStage(changed)).toEqual({
      datasets: 'hit',
      profiling: 'hit',
      fit: 'hit',
      validate: 'skipped',
      train: 'ran',
      bench: 'ran',
      deploy: 'skipped',
    });
    const trialHits = changed.train!.trials.map((t) => [
      t.params['training.reward.affinity_bonus_weight'],
      t.hit,
    ]);
    expect(trialHits).toEqual([
      [0.1, true],
      [0.3, false],
    ]);
    // In the bench only the new checkpoint ran: the unchanged trial's and the baselines' entries are hits.
    const ran = changed.bench!.results.filter((b) => !b.hit).map((b) => b.checkpoint);
    expect(ran).toEqual([changed.train!.trials[1]!.bestCheckpoint]);
  }, 600_000);
});
