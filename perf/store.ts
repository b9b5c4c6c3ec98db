/**
 * npm run bench:store — throughput of the artifact store for a checkpoint-sized artifact: a real PPO checkpoint of
 * the default training config (pi/vf [512, 512], ~8 MB: written by a 64-step `migflow train`, or --checkpoint DIR),
 * published (`put`) and read back hash-checked (`get`) through the local folder store and through the S3 store
 * against a private SeaweedFS on 127.0.0.1. Each round uses a fresh folder / key prefix, so every put really
 * uploads (the S3 store skips blobs it already holds); one warm-up round first. Prints one JSON object: per backend the median MB/s of
 * upload and download over --rounds, each round's seconds, and the client's CPU seconds; plus the machine's load.
 * `pipeline` (perf/store-pipeline.ts, --pipeline-rounds, 0 to skip): what the S3 store adds to a whole cold and cached
 * pipeline run (the main job's input, --pipeline-input) against the local folder — the issue's target is ≤ 10 % on
 * the cold run. `train_stage` (perf/store-stage.ts, --stage-rounds, default 0): the same for the train stage alone.
 * Progress lines go to stderr. A run with the defaults takes about four cold pipeline runs' time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { execa } from 'execa';
import { median } from 'simple-statistics';
import { PROJECT_ROOT } from '../core/paths.js';
import { type ArtifactStore, LocalFolderStore, S3Store } from '../core/store/index.js';
import { startSeaweedFs } from '../tools/seaweedfs.js';
import { measurePipeline } from './store-pipeline.js';
import { measureTrainStage } from './store-stage.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    checkpoint: { type: 'string' },
    'stage-rounds': { type: 'string', default: '0' },
    'pipeline-rounds': { type: 'string', default: '2' },
    'pipeline-input': { type: 'string', default: join(PROJECT_ROOT, 'configs', 'pipeline.json') },
  },
});
const rounds = Math.max(1, Number(values.rounds));
const scratch = mkdtempSync(join(tmpdir(), 'migflow-bench-store-'));

async function checkpointDir(): Promise<string> {
  if (values.checkpoint) return values.checkpoint;
  const out = join(scratch, 'train');
  await execa(
    process.execPath,
    [
      '--import',
      'tsx',
      join(PROJECT_ROOT, 'cli/main.ts'),
      'train',
      '--steps',
      '64',
      '--set',
      'training.PPO.n_steps=64',
      '--set',
      'training.PPO.batch_size=64',
      '--synthetic-tokens',
      '--out',
      out,
    ],
    { cwd: PROJECT_ROOT },
  );
  return join(out, 'checkpoints', 'rl_model_64_steps');
}

interface Round {
  uploadS: number;
  downloadS: number;
  cpuS: number;
}

/** Round -1 is a warm-up, not reported among the rounds (SeaweedFS allocates a bucket's volumes on its first write). */
async function measure(
  makeStore: (round: number) => ArtifactStore,
  src: string,
): Promise<{ warmup: Round; rounds: Round[] }> {
  const out: Round[] = [];
  for (let r = -1; r < rounds; r++) {
    const store = makeStore(r);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await store.put('train/bench/checkpoints/rl_model_64_steps', src, { round: r });
    const t1 = performance.now();
    await store.get('train/bench/checkpoints/rl_model_64_steps', join(scratch, `get-${store.kind}-${r + 1}`));
    const t2 = performance.now();
    const cpu = process.cpuUsage(cpu0);
    out.push({ uploadS: (t1 - t0) / 1000, downloadS: (t2 - t1) / 1000, cpuS: (cpu.user + cpu.system) / 1e6 });
  }
  return { warmup: out[0]!, rounds: out.slice(1) };
}

function summarize({ warmup, rounds: rs }: { warmup: Round; rounds: Round[] }, bytes: number) {
  const mb = bytes / 1e6;
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  return {
    upload_MBps_median: r3(median(rs.map((r) => mb / r.uploadS))),
    download_MBps_median: r3(median(rs.map((r) => mb / r.downloadS))),
    upload_s: rs.map((r) => r3(r.uploadS)),
    download_s: rs.map((r) => r3(r.downloadS)),
    client_cpu_s_per_round_median: r3(median(rs.map((r) => r.cpuS))),
    warmup_round_s: { upload: r3(warmup.uploadS), download: r3(warmup.downloadS) },
  };
}

const src = await checkpointDir();
const weed = await startSeaweedFs();
try {
  process.env.AWS_ACCESS_KEY_ID = weed.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = weed.secretAccessKey;
  const admin = new S3Client({ endpoint: weed.endpoint, forcePathStyle: true, region: 'us-east-1' });
  await admin.send(new CreateBucketCommand({ Bucket: 'migflow-bench' }));
  admin.destroy();
  const probe = new LocalFolderStore(join(scratch, 'probe'));
  const { manifest } = await probe.put('x', src, {});
  const bytes = manifest.outputs.reduce((s, o) => s + o.bytes, 0);

  const local = await measure((r) => new LocalFolderStore(join(scratch, `local-${r}`)), src);
  const s3 = await measure(
    (r) =>
      new S3Store({
        bucket: 'migflow-bench',
        prefix: `round-${r}`,
        endpoint: weed.endpoint,
        cacheDir: join(scratch, `cache-${r}`),
      }),
    src,
  );
  // Both stage- and pipeline-level rounds run against the same server and bucket.
  const against = {
    scratch,
    s3: {
      bucket: 'migflow-bench',
      endpoint: weed.endpoint,
      serverPid: weed.pid,
      accessKeyId: weed.accessKeyId,
      secretAccessKey: weed.secretAccessKey,
    },
  };
  const stageRounds = Math.max(0, Number(values['stage-rounds']));
  const trainStage =
    stageRounds > 0 ? await measureTrainStage({ ...against, rounds: stageRounds }) : undefined;
  const pipelineRounds = Math.max(0, Number(values['pipeline-rounds']));
  const pipeline =
    pipelineRounds > 0
      ? await measurePipeline({
          ...against,
          rounds: pipelineRounds,
          input: resolve(values['pipeline-input']!),
          log: (line) => process.stderr.write(`[bench:store] ${line}\n`),
        })
      : undefined;
  const localSummary = summarize(local, bytes);
  const s3Summary = summarize(s3, bytes);
  const result = {
    bench: 'store',
    artifact: {
      what: values.checkpoint ? values.checkpoint : 'PPO checkpoint, default training config, 64 steps',
      files: manifest.outputs.length,
      bytes,
    },
    rounds,
    local_folder: localSummary,
    s3_seaweedfs: { ...s3Summary, server: 'SeaweedFS 4.53 weed server -s3 on 127.0.0.1' },
    s3_vs_local_upload_time_ratio:
      Math.round(
        (median(s3.rounds.map((r) => r.uploadS)) / median(local.rounds.map((r) => r.uploadS))) * 100,
      ) / 100,
    s3_vs_local_download_time_ratio:
      Math.round(
        (median(s3.rounds.map((r) => r.downloadS)) / median(local.rounds.map((r) => r.downloadS))) * 100,
      ) / 100,
    ...(pipeline ? { pipeline } : {}),
    ...(trainStage ? { train_stage: trainStage } : {}),
    loadavg: loadavg().map((l) => Math.round(l * 100) / 100),
    uptime: (await execa('uptime')).stdout.trim(),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  await weed.stop();
  rmSync(scratch, { recursive: true, force: true });
}
