/** Shared worker plumbing: runtime (logging, signals), connection, activity dependencies. */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import type { ActivityDeps } from '../activities/index.js';
import { PROJECT_ROOT } from '../core/paths.js';
import type { WorkerNEnvs } from '../core/stages/train/index.js';
import { stageCacheFromEnv } from './stage-cache.js';

/**
 * How often an activity's heartbeat details reach the server at most. The SDK's default (80 % of the heartbeat
 * timeout, up to 60 s) left `temporal workflow describe` showing `steps: 0` for 40 s while the trainer was half
 * way; one small RPC every 2 s per running activity keeps describe within seconds of the truth.
 */
export const HEARTBEAT_THROTTLE = '2s';

/**
 * The GPU workers' throttle: a Temporal activity learns of its cancellation only from a heartbeat's response, so
 * this bounds how long a `migflow deploy stop` takes to reach the running window (which heartbeats every second).
 * A deployment test measured the stop reaching the window 5.5 s late under the SDK's default for its 10 s timeout.
 */
export const GPU_HEARTBEAT_THROTTLE = '1s';

export interface WorkerEnv {
  address: string;
  namespace: string;
}

export function workerEnv(env: NodeJS.ProcessEnv = process.env): WorkerEnv {
  return {
    address: env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
    namespace: env.TEMPORAL_NAMESPACE ?? 'default',
  };
}

let runtimeInstalled = false;
/** Installs the Temporal runtime once per process: WARN-level logs, graceful shutdown on SIGINT/SIGTERM. */
export function installRuntime(level: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' = 'WARN'): void {
  if (runtimeInstalled) return;
  Runtime.install({ logger: new DefaultLogger(level), shutdownSignals: ['SIGINT', 'SIGTERM'] });
  runtimeInstalled = true;
}

export async function connect(env: WorkerEnv): Promise<NativeConnection> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      return await NativeConnection.connect({ address: env.address });
    } catch (err) {
      if (Date.now() > deadline) {
        throw new Error(
          `cannot reach the Temporal server at ${env.address} (${String(err)}) — fix: start it with \`npx migflow server\` or set TEMPORAL_ADDRESS`,
        );
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

export function activityDeps(childEnv: Record<string, string> = {}, trainNEnvs?: WorkerNEnvs): ActivityDeps {
  return {
    projectRoot: PROJECT_ROOT,
    cache: stageCacheFromEnv(),
    childEnv,
    ...(trainNEnvs !== undefined ? { trainNEnvs } : {}),
  };
}

/** True when this module is the process's entry point (workers run as `tsx workers/<name>.ts`). */
export function isMain(metaUrl: string): boolean {
  const entry = process.argv[1];
  return !!entry && fileURLToPath(metaUrl) === resolve(entry);
}

/**
 * A worker process's whole life, when `metaUrl` is the process's main module: the runtime, the worker `start`
 * builds (given the server's address), its ready banner on stdout, then running until SIGINT/SIGTERM, and the
 * connection closed. A failure exits 1 as `label: message`.
 */
export function workerMain(
  metaUrl: string,
  label: string,
  start: (env: WorkerEnv) => Promise<{ worker: Worker; connection: NativeConnection; banner: string }>,
): void {
  if (!isMain(metaUrl)) return;
  const run = async () => {
    installRuntime();
    const { worker, connection, banner } = await start(workerEnv());
    process.stdout.write(`${banner}\n`);
    try {
      await worker.run();
    } finally {
      await connection.close();
    }
  };
  run().catch((err: unknown) => {
    process.stderr.write(`${label}: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
