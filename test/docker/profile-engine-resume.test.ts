/**
 * profileEngine under MockActivityEnvironment with the real emulator container: it heartbeats after each sweep level,
 * a cancelled attempt leaves no container, and a retry carrying the last heartbeat keeps the levels already
 * finished (their files are not rewritten) and the KV size and restart time already measured. With an S3 store
 * (SeaweedFS) the finished levels are uploaded as they complete, so the retry resumes on another host.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
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
import { startSeaweedFs } from '../../tools/seaweedfs.js';
import { stageCacheFromEnv } from '../../workers/stage-cache.js';

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

describe('profileEngine resume on another host (S3 store)', () => {
  it("a retry on host B resumes from host A's uploaded levels; the uploads go once published", async () => {
    const weed = await startSeaweedFs();
    try {
      const env = (host: string): NodeJS.ProcessEnv => ({
        MIGFLOW_STORE: 's3://migflow-profile-resume/p',
        MIGFLOW_STORE_ENDPOINT: weed.endpoint,
        MIGFLOW_STORE_CACHE: join(tmp, 's3', host, 'store-cache'),
        MIGFLOW_ARTIFACTS: join(tmp, 's3', host, 'artifacts'),
        AWS_ACCESS_KEY_ID: weed.accessKeyId,
        AWS_SECRET_ACCESS_KEY: weed.secretAccessKey,
      });
      Object.assign(process.env, {
        AWS_ACCESS_KEY_ID: weed.accessKeyId,
        AWS_SECRET_ACCESS_KEY: weed.secretAccessKey,
      });
      const s3 = new S3Client({ endpoint: weed.endpoint, forcePathStyle: true, region: 'us-east-1' });
      await s3.send(new CreateBucketCommand({ Bucket: 'migflow-profile-resume' }));
      s3.destroy();
      const [cacheA, cacheB] = [stageCacheFromEnv(env('a')), stageCacheFromEnv(env('b'))];
      const store = cacheA.remote!;
      const onHost = (c: StageCache) =>
        createProfilingActivities({ projectRoot: PROJECT_ROOT, cache: c, childEnv: {} });
      const s3Input = { ...input, runId: `${runId}-s3` };
      const beats: ProfileProgress[] = [];
      const scheduledTimestampMs = Date.UTC(2026, 0, 2);
      const first = new MockActivityEnvironment({ attempt: 1, scheduledTimestampMs });
      first.on('heartbeat', (d: ProfileProgress) => beats.push(d));
      const running = first.run(onHost(cacheA).profileEngine, s3Input);
      while (!beats.some((b) => b.completedLevels.filter((k) => k.startsWith('concurrency')).length >= 2)) {
        await new Promise((r) => setTimeout(r, 50));
      }
      first.cancel();
      expect(await running.catch((e: unknown) => e)).toBeInstanceOf(CancelledFailure);
      const last = beats.at(-1)!;
      // Host A's upload of the levels finished at the cancel (prefill + two levels at least) lands in the store.
      const deadline = Date.now() + 30_000;
      let snapshots = await store.list<{ seq: number }>('profiling/.work');
      while (!snapshots.some((x) => x.manifest.seq >= 3) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        snapshots = await store.list<{ seq: number }>('profiling/.work');
      }
      const snapshot = snapshots.at(-1)!;
      expect(snapshot.manifest.seq).toBeGreaterThanOrEqual(3);
      const uploaded = Object.fromEntries(
        await Promise.all(
          snapshot.manifest.outputs
            .filter((o) => o.path.startsWith('tpot/'))
            .map(async (o) => [
              o.path.slice(5),
              readFileSync(await store.fetchFile(snapshot.ref, o.path), 'utf8'),
            ]),
        ),
      );
      expect(Object.keys(uploaded).length).toBeGreaterThanOrEqual(2);

      // Host B never saw host A's folder: it resumes from the store and measures only the rest.
      const retryBeats: ProfileProgress[] = [];
      const retry = new MockActivityEnvironment({ attempt: 2, scheduledTimestampMs, heartbeatDetails: last });
      retry.on('heartbeat', (d: ProfileProgress) => retryBeats.push(d));
      const result: ProfileEngineResult = await retry.run(onHost(cacheB).profileEngine, s3Input);
      expect(result.tpotDir.startsWith(join(tmp, 's3', 'b'))).toBe(true);
      expect(readdirSync(result.tpotDir)).toHaveLength(4);
      for (const [f, text] of Object.entries(uploaded))
        expect(readFileSync(join(result.tpotDir, f), 'utf8')).toBe(text);
      expect(retryBeats.some((b) => b.phase === 'kv-cache' || b.phase === 'restart')).toBe(false);
      expect(await store.list('profiling/.work')).toEqual([]);
    } finally {
      await weed.stop();
    }
  }, 240_000);
});
