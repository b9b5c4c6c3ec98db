/** Messages between the trainer and its environment worker threads (vec-env-workers.ts ↔ vec-env-worker.ts). */

import type { ResolvedTask } from '../../config/index.js';
import type {
  AdamStep,
  EnvResetResult,
  EnvStepResult,
  ShardJob,
  SharedUpdateMemory,
} from '../../rl/index.js';
import type { TokenTable } from '../../sim/index.js';

/** What a worker needs to build its environment: the configs as text (parsed again there) and the token tables. */
export interface EnvWorkerSpec {
  readonly trainingConfigFile: string;
  readonly trainingConfigYaml: string;
  readonly simulationConfigFile: string;
  readonly simulationConfigYaml: string;
  /** `agent/model` → lengths (see tokenTableSet). */
  readonly tokenTables: Readonly<Record<string, TokenTable>>;
  readonly runSeed: number;
  readonly envIndex: number;
  readonly stepLogs: boolean;
  /** The task whose traffic the episodes draw from (plain data, cloned to the worker). */
  readonly task?: ResolvedTask;
}

export interface EnvWorkerData {
  readonly migflowEnvWorker: true;
  readonly spec: EnvWorkerSpec;
}

export function isEnvWorkerData(d: unknown): d is EnvWorkerData {
  return (
    typeof d === 'object' && d !== null && (d as { migflowEnvWorker?: unknown }).migflowEnvWorker === true
  );
}

export type EnvWorkerRequest =
  | { readonly type: 'reset'; readonly resetIndex: number; readonly carried?: Float64Array }
  | { readonly type: 'step'; readonly action: number }
  | { readonly type: 'attach'; readonly memory: SharedUpdateMemory; readonly shard: number }
  | { readonly type: 'shard'; readonly job: ShardJob }
  | { readonly type: 'reduce' }
  | { readonly type: 'adam'; readonly step: AdamStep }
  | { readonly type: 'stats' };

export type EnvWorkerResponse =
  | { readonly type: 'ready'; readonly observationLength: number; readonly actionCount: number }
  | { readonly type: 'reset'; readonly result: EnvResetResult }
  | { readonly type: 'step'; readonly result: EnvStepResult }
  | { readonly type: 'attached' }
  | { readonly type: 'shard-done'; readonly sumSq: number }
  | { readonly type: 'reduced'; readonly sumSq: number }
  | { readonly type: 'adam-done' }
  | {
      readonly type: 'stats';
      readonly envCpuS: number;
      readonly shardCpuS: number;
      /** The thread's CPU seconds since it started (start-up and messaging included). */
      readonly threadCpuS: number;
    }
  | { readonly type: 'error'; readonly name: string; readonly message: string; readonly stack: string };
