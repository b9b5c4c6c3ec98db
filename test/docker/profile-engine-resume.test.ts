/**
 * profileEngine under MockActivityEnvironment with the real emulator container: it heartbeats after each sweep level,
 * a cancelled attempt leaves no container, and a retry carrying the last heartbeat keeps the levels already
 * finished (their files are not rewritten) and the KV size and restart time already measured.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProfilingActivities } from '../../activities/profiling.js';
import type { ProfileEngineInput, ProfileEngineResult } from '../../contracts/index.js';
import { StageCache } from '../../core/cache/index.js';
import { EngineContainers } from '../../core/engines/engine-containers.js';
import { PROJECT_ROOT } from '../../core/paths.js';
import type { ProfileProgress } from '../../core/profiling/profile-engine.js';
import { buildVllmEmulatorImage } from '../../emulators/vllm-emulator-image.js';

const docker = new Docker();
const tmp = mkdtempSync(join(tmpdir(), 'migflow-profile-resume-'));
const cache = new StageCache({ root: join(tmp, 'artifacts'), migflowVersion: 'test' });
const activities = createProfilingActivities({ projectRoot: PROJECT_ROOT, cache, childEnv: {} });
const runId = `resume-${process.pid}`;

beforeAll(async () => {
  await docker.ping();
  await buildVllmEmulatorImage(docker);
}, 300_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const input: ProfileEngineInput = {
  runId,
  target: { model: 'qwen2.5-3b-instruct', profile: '2g.10gb', gpu: 0 },
  gpuModel: 'A100_40GB',
  simulationConfig: 'configs/simulation_config.yaml',
  plan: {
    prefill: { numPrompts: 6, requestRate: 'inf' },
    concurrency: {
      levels: [1, 2, 3, 4],
      promptsPerLevel: 4,
      outputLen: 30,
      rangeRatio: 0,
      pauseBetweenLevelsMs: 0,
    },
  },
  engine: {
    emulated: {
      prefill: { alpha: 0.05, beta: 0.00002, sigma: 0 },
      decode: { alpha: 0.01, beta: 0.001, sigma: 0 },
      kvCacheTokens: 50_000,
      bootMs: 300,
    },
    healthTimeoutS: 60,
  },
};

describe('profileEngine resume', () => {
  it('a retry with the last heartbeat skips finished levels and keeps the measured KV size and restart time', async () => {
    const beats: ProfileProgress[] = [];
    const scheduledTimestampMs = Date.UTC(2026, 0, 1);
    const first = new MockActivityEnvironment({ attempt: 1, scheduledTimestampMs });
    first.on('heartbeat', (d: ProfileProgress) => beats.push(d));
    const running = first.run(activities.profileEngine, input);
    // Cancel once two concurrency levels are finished.
    while (!beats.some((b) => b.completedLevels.filter((k) => k.startsWith('concurrency')).length >= 2)) {
      await new Promise((r) => setTimeout(r, 50));
    }
    first.cancel();
    expect(await running.catch((e: unknown) => e)).toBeInstanceOf(CancelledFailure);
    expect(await new EngineContainers(docker).list(`profile-${runId}`)).toEqual([]);

    const last = beats.at(-1)!;
    expect(last.kvCacheGb).toBeCloseTo((50_000 * 36) / 1048576, 2);
    expect(last.restartTimeS).toBeGreaterThan(0.3);
    expect(last.completedLevels).toEqual(
      expect.arrayContaining(['prefill', 'concurrency-1', 'concurrency-2']),
    );
    const work = join(cache.root, 'profiling-work');
    const [key] = readdirSync(work);
    const tpotWork = join(work, key!, 'tpot');
    // Measured timings differ on every run, so identical bytes later prove a level was not run again.
    const before = Object.fromEntries(
      readdirSync(tpotWork).map((f) => [f, readFileSync(join(tpotWork, f), 'utf8')]),
    );

    const retryBeats: ProfileProgress[] = [];
    const retry = new MockActivityEnvironment({ attempt: 2, scheduledTimestampMs, heartbeatDetails: last });
    retry.on('heartbeat', (d: ProfileProgress) => retryBeats.push(d));
    const result: ProfileEngineResult = await retry.run(activities.profileEngine, input);
    // The retry never re-measured: no heartbeat reports a KV or restart phase, and the values are the first attempt's.
    expect(retryBeats.some((b) => b.phase === 'kv-cache' || b.phase === 'restart')).toBe(false);
    expect(result.kvCacheGb).toBe(last.kvCacheGb);
    expect(result.restartTimeS).toBe(last.restartTimeS);
    // The levels finished before the cancel kept their files byte for byte; the rest were run.
    const published = readdirSync(result.tpotDir).sort();
    expect(published).toHaveLength(4);
    const kept = Object.keys(before).filter((f) => last.completedLevels.some((k) => f.includes(`-${k}-`)));
    expect(kept.length).toBeGreaterThanOrEqual(2);
    for (const f of kept) expect(readFileSync(join(result.tpotDir, f), 'utf8')).toBe(before[f]);
    expect(retryBeats.at(-1)!.completedLevels).toEqual(
      expect.arrayContaining(['prefill', 'concurrency-1', 'concurrency-2', 'concurrency-3', 'concurrency-4']),
    );
    expect(result.prefillFile).toMatch(/prefill-Qwen2\.5-3B-Instruct-2g\.10gb-20260101-000000\.json$/);
    expect(await new EngineContainers(docker).list(`profile-${runId}`)).toEqual([]);
  }, 180_000);
});
