/**
 * The body of one environment worker thread (started by vec-env-workers.ts from this file's bundle): it builds
 * environment `envIndex` of the run from the configs' text, then answers the trainer's messages one at a time —
 * reset, step, and, during the PPO update, gradient shards on the shared memory (migflow's kernels: no tfjs backend).
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { parseSimulationConfig, parseTrainingConfig, taskSimulationOptions } from '../../config/index.js';
import {
  resetTrainEnv,
  ShardComputer,
  type ShardJob,
  type SharedUpdateMemory,
  stepTrainEnv,
  threadCpuS,
} from '../../rl/index.js';
import { createTrainEnv, tokenTablesFromSet } from './vec-env-host.js';
import {
  type EnvWorkerRequest,
  type EnvWorkerResponse,
  type EnvWorkerSpec,
  isEnvWorkerData,
} from './vec-env-protocol.js';

/** Imported by vec-env-workers.ts so the trainer's bundle (and its cache digest) includes this file. */
export const ENV_WORKER_MODULE = 'vec-env-worker.ts';

async function main(spec: EnvWorkerSpec): Promise<void> {
  const port = parentPort!;
  const send = (m: EnvWorkerResponse, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
  const training = parseTrainingConfig(spec.trainingConfigFile, spec.trainingConfigYaml);
  const simulation = parseSimulationConfig(
    spec.simulationConfigFile,
    spec.simulationConfigYaml,
    taskSimulationOptions(spec.task),
  );
  const env = createTrainEnv({
    simulation,
    training,
    tokens: tokenTablesFromSet(spec.tokenTables),
    runSeed: spec.runSeed,
    envIndex: spec.envIndex,
    stepLogs: spec.stepLogs,
    ...(spec.task ? { task: spec.task } : {}),
  });
  let shard: ShardComputer | undefined;
  // CPU time per kind of work, taken at each switch between stepping the environment and gradient work (a few per
  // rollout: per-call readings of the 10 ms tick counters would be biased for millisecond calls).
  const cpu = { env: 0, shard: 0 };
  let phase: 'env' | 'shard' = 'env';
  let since = threadCpuS() ?? 0;
  const account = () => {
    const now = threadCpuS() ?? 0;
    cpu[phase] += now - since;
    since = now;
  };
  const enter = (next: 'env' | 'shard') => {
    if (next === phase) return;
    account();
    phase = next;
  };
  send({ type: 'ready', observationLength: env.observationLength, actionCount: env.actionCount });
  // Requests arrive one at a time per worker (the trainer awaits each answer), so handlers never overlap.
  port.on('message', (req: EnvWorkerRequest) => {
    void handle(req).catch((err: unknown) => {
      const e = err instanceof Error ? err : new Error(String(err));
      send({ type: 'error', name: e.name, message: e.message, stack: e.stack ?? '' });
    });
  });

  async function handle(req: EnvWorkerRequest): Promise<void> {
    switch (req.type) {
      case 'reset': {
        enter('env');
        const r = resetTrainEnv(env, req.resetIndex, req.carried);
        send({ type: 'reset', result: r }, [r.observation.buffer as ArrayBuffer]);
        return;
      }
      case 'step': {
        enter('env');
        const r = stepTrainEnv(env, req.action);
        send({ type: 'step', result: r }, [r.observation.buffer as ArrayBuffer]);
        return;
      }
      case 'attach': {
        enter('shard');
        shard = new ShardComputer(req.memory as SharedUpdateMemory, req.shard);
        send({ type: 'attached' });
        return;
      }
      case 'shard': {
        if (!shard) throw new Error('gradient shard requested before attach');
        enter('shard');
        const sumSq = shard.run(req.job as ShardJob);
        send({ type: 'shard-done', sumSq });
        return;
      }
      case 'reduce': {
        if (!shard) throw new Error('gradient reduction requested before attach');
        enter('shard');
        const sumSq = shard.reduce();
        send({ type: 'reduced', sumSq });
        return;
      }
      case 'adam': {
        if (!shard) throw new Error('Adam step requested before attach');
        enter('shard');
        shard.adam(req.step);
        send({ type: 'adam-done' });
        return;
      }
      case 'stats':
        account();
        send({ type: 'stats', envCpuS: cpu.env, shardCpuS: cpu.shard, threadCpuS: threadCpuS() ?? 0 });
        return;
    }
  }
}

if (!isMainThread && isEnvWorkerData(workerData)) {
  void main(workerData.spec).catch((err: unknown) => {
    const e = err instanceof Error ? err : new Error(String(err));
    parentPort?.postMessage({ type: 'error', name: e.name, message: e.message, stack: e.stack ?? '' });
  });
}
