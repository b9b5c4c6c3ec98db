/**
 * Environments on worker threads, one each (node:worker_threads, not processes: the trainer exchanges a 171-float
 * observation per step and shares the rollout and weights with the gradient shards through SharedArrayBuffers,
 * which processes cannot). Each step sends every worker its action at once and waits for all answers, so the
 * simulators run in parallel while the trainer's thread only does the batched forward pass. During the PPO update
 * the same threads compute the gradient shards (`GradientShards`).
 *
 * Workers run this module's sibling vec-env-worker.ts pre-bundled with esbuild (core/util/bundled-entry.ts), so
 * they start with plain node under tsx, vitest or a bundled trainer alike.
 */
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { bundledEntry } from '../../child/index.js';
import { MigflowError } from '../../errors.js';
import type {
  AdamStep,
  EnvResetRequest,
  EnvResetResult,
  EnvStepResult,
  GradientShards,
  ShardJob,
  SharedUpdateMemory,
  VecEnv,
} from '../../rl/index.js';
import type { EnvWorkerRequest, EnvWorkerResponse, EnvWorkerSpec } from './vec-env-protocol.js';
import { ENV_WORKER_MODULE } from './vec-env-worker.js';

const WORKER_ENTRY = fileURLToPath(new URL(`./${ENV_WORKER_MODULE}`, import.meta.url));

/** A worker thread environment failed (its error, with the environment index). */
export class EnvWorkerError extends MigflowError {
  constructor(
    readonly envIndex: number,
    message: string,
    readonly workerStack: string,
  ) {
    super(`environment worker ${envIndex}: ${message}`);
  }
}

type Waiter = { resolve: (m: EnvWorkerResponse) => void; reject: (e: Error) => void };

class EnvWorker {
  private readonly waiting: Waiter[] = [];
  private failure: Error | undefined;

  constructor(
    readonly index: number,
    readonly worker: Worker,
  ) {
    worker.on('message', (m: EnvWorkerResponse) => {
      if (m.type === 'error') {
        this.fail(new EnvWorkerError(index, `${m.name}: ${m.message}`, m.stack));
        return;
      }
      this.waiting.shift()?.resolve(m);
    });
    worker.on('error', (err) => this.fail(new EnvWorkerError(index, err.message, err.stack ?? '')));
    worker.on('exit', (code) => {
      if (this.waiting.length > 0) this.fail(new EnvWorkerError(index, `exited with code ${code}`, ''));
    });
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const w of this.waiting.splice(0)) w.reject(err);
  }

  /** The next message (the worker answers requests in order). */
  next(): Promise<EnvWorkerResponse> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  request(req: EnvWorkerRequest): Promise<EnvWorkerResponse> {
    const answer = this.next();
    this.worker.postMessage(req);
    return answer;
  }
}

async function expect<T extends EnvWorkerResponse['type']>(
  p: Promise<EnvWorkerResponse>,
  type: T,
): Promise<Extract<EnvWorkerResponse, { type: T }>> {
  const m = await p;
  if (m.type !== type) throw new Error(`environment worker answered ${m.type} where ${type} was expected`);
  return m as Extract<EnvWorkerResponse, { type: T }>;
}

export class WorkerVecEnv implements VecEnv, GradientShards {
  readonly numEnvs: number;
  readonly count: number;

  private constructor(
    private readonly workers: readonly EnvWorker[],
    readonly observationLength: number,
    readonly actionCount: number,
  ) {
    this.numEnvs = workers.length;
    this.count = workers.length;
  }

  get gradientShards(): GradientShards {
    return this;
  }

  /** Starts one worker per spec (env indices 0 … n − 1) and waits until every environment is built. */
  static async start(specs: readonly EnvWorkerSpec[]): Promise<WorkerVecEnv> {
    const entry = await bundledEntry(WORKER_ENTRY);
    const workers = specs.map(
      (spec, i) =>
        new EnvWorker(
          i,
          new Worker(entry, {
            workerData: { migflowEnvWorker: true, spec },
            // Plain node on the bundle (no tsx hooks inherited); stack traces point at the TypeScript sources. A
            // --cpu-prof of the trainer profiles the workers too.
            execArgv: ['--enable-source-maps', ...process.execArgv.filter((a) => a.startsWith('--cpu-prof'))],
          }),
        ),
    );
    try {
      const ready = await Promise.all(workers.map((w) => expect(w.next(), 'ready')));
      return new WorkerVecEnv(workers, ready[0]!.observationLength, ready[0]!.actionCount);
    } catch (err) {
      await Promise.all(workers.map((w) => w.worker.terminate()));
      throw err;
    }
  }

  async reset(requests: readonly EnvResetRequest[]): Promise<EnvResetResult[]> {
    const answers = await Promise.all(
      requests.map((r) =>
        expect(
          this.workers[r.env]!.request({
            type: 'reset',
            resetIndex: r.resetIndex,
            ...(r.carried ? { carried: r.carried } : {}),
          }),
          'reset',
        ),
      ),
    );
    return answers.map((a) => a.result);
  }

  async step(actions: Int32Array): Promise<EnvStepResult[]> {
    const answers = await Promise.all(
      this.workers.map((w, e) => expect(w.request({ type: 'step', action: actions[e]! }), 'step')),
    );
    return answers.map((a) => a.result);
  }

  async attach(memory: SharedUpdateMemory): Promise<void> {
    await Promise.all(
      this.workers.map((w, k) => expect(w.request({ type: 'attach', memory, shard: k }), 'attached')),
    );
  }

  async run(job: ShardJob): Promise<number[]> {
    const answers = await Promise.all(
      this.workers.map((w) => expect(w.request({ type: 'shard', job }), 'shard-done')),
    );
    return answers.map((a) => a.sumSq);
  }

  async reduce(): Promise<number[]> {
    const answers = await Promise.all(
      this.workers.map((w) => expect(w.request({ type: 'reduce' }), 'reduced')),
    );
    return answers.map((a) => a.sumSq);
  }

  async adam(step: AdamStep): Promise<void> {
    await Promise.all(this.workers.map((w) => expect(w.request({ type: 'adam', step }), 'adam-done')));
  }

  /** CPU seconds each worker thread spent in its environment and in gradient shards (accounted at each switch between the two). */
  async cpuStats(): Promise<{ envCpuS: number; shardCpuS: number; threadCpuS: number }[]> {
    const answers = await Promise.all(this.workers.map((w) => expect(w.request({ type: 'stats' }), 'stats')));
    return answers.map((a) => ({ envCpuS: a.envCpuS, shardCpuS: a.shardCpuS, threadCpuS: a.threadCpuS }));
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }
}
