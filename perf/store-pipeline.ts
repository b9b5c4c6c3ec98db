/**
 * The extra cost the S3 store adds to a whole pipeline run (the issue's target: ≤ 10 % on the cold run): the main
 * job's input (configs/pipeline.json, emulated hardware) run through PipelineWorkflow on a private dev server by the
 * real workers (the orchestration worker and two emulated GPU workers, started per run with that run's store
 * settings), cold (a fresh artifacts folder / key prefix: every stage computes) and then cached (the same input again:
 * every stage a hit), with the local folder and with SeaweedFS. Rounds alternate local/S3 (ABAB) so load drift hits
 * both alike, and each S3 run is compared with the local run just before it.
 *
 * Wall time is what a user waits for; the profiling stage's emulated engines answer in emulated time (the same plan
 * and emulator seeds every run), so its share of the wall is nearly fixed. CPU seconds — every worker process and the
 * children it reaped (trainers, bench runs), plus for S3 the `weed server`'s — hold better on a loaded machine. The
 * emulated engines run in Docker and are counted in neither (the same for both backends).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { median } from 'simple-statistics';
import type { PipelineInput, PipelineResult } from '../contracts/index.js';
import { SEARCH_ATTRIBUTES } from '../contracts/temporal/index.js';
import { PROJECT_ROOT } from '../core/paths.js';
import { freePort } from '../core/util/index.js';
import { startPrivateDevServer } from '../tools/dev-server.js';
import { ensureTemporalCli } from '../tools/temporal-cli.js';
import { hostCpuS, procCpuS, startHostWorker, stopHost, type WorkerHost } from '../tools/worker-host.js';

export interface PipelineS3 {
  bucket: string;
  endpoint: string;
  serverPid: number | undefined;
  accessKeyId: string;
  secretAccessKey: string;
}

interface PipelineRun {
  coldWallS: number;
  /** Worker processes (and their reaped children) plus, for S3, the weed server. */
  coldCpuS: number;
  coldClientCpuS: number;
  coldServerCpuS: number;
  cachedWallS: number;
  cachedCpuS: number;
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

export async function measurePipeline(o: {
  rounds: number;
  scratch: string;
  input: string;
  s3: PipelineS3;
  log: (line: string) => void;
}) {
  const input = JSON.parse(readFileSync(o.input, 'utf8')) as PipelineInput;
  const cli = (await ensureTemporalCli()).path;
  const server = await startPrivateDevServer({
    cli,
    port: await freePort(),
    searchAttributes: SEARCH_ATTRIBUTES,
    logLevel: 'error',
  });
  const address = server.address;
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address });
    const client = new Client({ connection, namespace: 'default' });
    const local: PipelineRun[] = [];
    const s3: PipelineRun[] = [];
    for (let r = 0; r < o.rounds; r++) {
      for (const backend of ['local', 's3'] as const) {
        const dir = join(o.scratch, `pipeline-${r}-${backend}`);
        const env: Record<string, string> = {
          ...(process.env as Record<string, string>),
          TEMPORAL_ADDRESS: address,
          TEMPORAL_NAMESPACE: 'default',
          MIGFLOW_ARTIFACTS: join(dir, 'artifacts'),
        };
        delete env.MIGFLOW_STORE;
        if (backend === 's3') {
          Object.assign(env, {
            MIGFLOW_STORE: `s3://${o.s3.bucket}/pipeline-${r}`,
            MIGFLOW_STORE_ENDPOINT: o.s3.endpoint,
            MIGFLOW_STORE_CACHE: join(dir, 'store-cache'),
            AWS_ACCESS_KEY_ID: o.s3.accessKeyId,
            AWS_SECRET_ACCESS_KEY: o.s3.secretAccessKey,
          });
        }
        const run = await pipelineRun(
          client,
          { name: `${backend}-${r}`, env, groups: [] },
          input,
          backend === 's3' ? o.s3.serverPid : undefined,
        );
        o.log(
          `pipeline round ${r} ${backend}: cold ${run.coldWallS.toFixed(1)} s wall, ${run.coldCpuS.toFixed(1)} CPU s; cached ${run.cachedWallS.toFixed(2)} s`,
        );
        (backend === 'local' ? local : s3).push(run);
      }
    }
    const med = (rs: PipelineRun[], k: keyof PipelineRun) => r3(median(rs.map((x) => x[k])));
    const pct = (k: keyof PipelineRun) =>
      Math.round((median(s3.map((x, i) => x[k] / local[i]![k])) - 1) * 1000) / 10;
    return {
      what: `PipelineWorkflow on ${o.input.replace(`${PROJECT_ROOT}/`, '')} (emulated GPUs 0 and 1), one orchestration and two GPU workers per run`,
      rounds: o.rounds,
      order: 'ABAB: each round runs local then S3; ratios pair each S3 run with the local run just before it',
      local_folder: {
        cold_wall_s: med(local, 'coldWallS'),
        cold_cpu_s: med(local, 'coldCpuS'),
        cached_wall_s: med(local, 'cachedWallS'),
        cached_cpu_s: med(local, 'cachedCpuS'),
      },
      s3_seaweedfs: {
        cold_wall_s: med(s3, 'coldWallS'),
        cold_cpu_s_incl_server: med(s3, 'coldCpuS'),
        cold_client_cpu_s: med(s3, 'coldClientCpuS'),
        cold_server_cpu_s: med(s3, 'coldServerCpuS'),
        cached_wall_s: med(s3, 'cachedWallS'),
        cached_cpu_s_incl_server: med(s3, 'cachedCpuS'),
      },
      // Median over rounds of the per-round ratio.
      cold_wall_overhead_pct: pct('coldWallS'),
      cold_cpu_overhead_pct: pct('coldCpuS'),
      cold_client_cpu_overhead_pct: pct('coldClientCpuS'),
      cached_wall_overhead_pct: pct('cachedWallS'),
      cached_extra_wall_s: r3(median(s3.map((x, i) => x.cachedWallS - local[i]!.cachedWallS))),
      target_cold_overhead_pct: 10,
      met: { cold_wall: pct('coldWallS') <= 10, cold_cpu_incl_server: pct('coldCpuS') <= 10 },
      per_round: { local: local.map(round3), s3: s3.map(round3) },
    };
  } finally {
    await connection?.close();
    await server.stop();
  }
}

function round3(run: PipelineRun): PipelineRun {
  return Object.fromEntries(Object.entries(run).map(([k, v]) => [k, r3(v)])) as unknown as PipelineRun;
}

/** One backend's cold run and cached run on a fresh set of workers (their start-up is not timed). */
async function pipelineRun(
  client: Client,
  host: WorkerHost,
  input: PipelineInput,
  serverPid: number | undefined,
): Promise<PipelineRun> {
  try {
    await startHostWorker(host, 'main-worker', []);
    await startHostWorker(host, 'gpu-worker', ['--gpu', '0', '--emulate']);
    await startHostWorker(host, 'gpu-worker', ['--gpu', '1', '--emulate']);
    const cpu = () => {
      const client = hostCpuS(host);
      const server = serverPid ? procCpuS(serverPid) : 0;
      return { client, server };
    };
    const execute = async (kind: 'cold' | 'cached') => {
      const c0 = cpu();
      const t0 = performance.now();
      const result: PipelineResult = await client.workflow.execute('PipelineWorkflow', {
        taskQueue: 'migflow',
        workflowId: `bench-store/${host.name}/${kind}`,
        args: [{ ...input, runId: `bench-store-${host.name}-${kind}` }],
      });
      const wallS = (performance.now() - t0) / 1000;
      const c1 = cpu();
      const want = kind === 'cold' ? 'ran' : 'hit';
      const wrong = result.stages.filter((s) => s.status !== 'skipped' && s.status !== want);
      if (wrong.length) {
        throw new Error(
          `bench:store: ${host.name}'s ${kind} pipeline run had stages that were not "${want}": ${wrong.map((s) => `${s.stage}:${s.status}`).join(' ')}`,
        );
      }
      return { wallS, clientCpuS: c1.client - c0.client, serverCpuS: c1.server - c0.server };
    };
    const cold = await execute('cold');
    const cached = await execute('cached');
    return {
      coldWallS: cold.wallS,
      coldCpuS: cold.clientCpuS + cold.serverCpuS,
      coldClientCpuS: cold.clientCpuS,
      coldServerCpuS: cold.serverCpuS,
      cachedWallS: cached.wallS,
      cachedCpuS: cached.clientCpuS + cached.serverCpuS,
    };
  } finally {
    await stopHost(host);
  }
}
