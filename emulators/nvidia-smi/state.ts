/**
 * The emulated machine: GPUs with MIG enabled and their GPU instances, kept in one JSON file so every
 * `nvidia-smi` invocation (a separate process) sees the same hardware. Mutations hold a lock file and publish
 * with temp + rename. Fault injection lives in the same file so tests can make the "driver" refuse things.
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { GPU_MODELS } from './profiles.js';

export interface GpuInstance {
  giId: number;
  profile: string;
  start: number;
  size: number;
  /** Compute instance ids (the emulator creates CI 0 with -C). */
  cis: number[];
  uuid: string;
}

export interface EmulatedGpu {
  index: number;
  model: string;
  uuid: string;
  migEnabled: boolean;
  instances: GpuInstance[];
  /**
   * Board power truth (W); absent = the model's figures (profiles.ts), null = no power sensor (power.draw is
   * `[N/A]`, as on boards whose driver does not report it).
   */
  power?: { idleW: number; maxW: number } | null;
}

export interface Faults {
  /** The next N `-cgi` calls on `gpu` fail with Insufficient Resources (driver refusal). */
  cgiFail?: { gpu: number; remaining: number };
  /** The next N `-dgi` calls on `gpu` fail with "In use by another client" (a process holds the instance). */
  dgiInUse?: { gpu: number; remaining: number };
}

export interface EmulatorState {
  gpus: EmulatedGpu[];
  /** Creation counter: new instances get fresh UUIDs, as on real hardware. */
  created: number;
  faults: Faults;
}

export function fakeUuid(prefix: 'GPU' | 'MIG', seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${prefix}-${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * `$MIGFLOW_EMULATED_GPU_POWER`: `N/A` (no power sensor) or `IDLE:MAX` in W for every GPU; unset = the model's.
 */
export function powerOverride(text: string | undefined): EmulatedGpu['power'] | undefined {
  if (text === undefined || text === '') return undefined;
  if (text === 'N/A') return null;
  const [idleW, maxW] = text.split(':').map(Number);
  if (!Number.isFinite(idleW) || !Number.isFinite(maxW) || idleW! < 0 || maxW! < idleW!) {
    throw new Error(`MIGFLOW_EMULATED_GPU_POWER=${text}: expected N/A or IDLE:MAX in watts (0 ≤ IDLE ≤ MAX)`);
  }
  return { idleW: idleW!, maxW: maxW! };
}

export function newState(models: string[], power?: EmulatedGpu['power']): EmulatorState {
  return {
    gpus: models.map((model, index) => {
      if (!GPU_MODELS[model])
        throw new Error(`unknown GPU model ${model}; known: ${Object.keys(GPU_MODELS).join(', ')}`);
      return {
        index,
        model,
        uuid: fakeUuid('GPU', `gpu-${index}-${model}`),
        migEnabled: true,
        instances: [],
        ...(power !== undefined ? { power } : {}),
      };
    }),
    created: 0,
    faults: {},
  };
}

/** State file path: $MIGFLOW_NVIDIA_SMI_STATE, else a file in the system temp dir. */
export function statePath(env: NodeJS.ProcessEnv = process.env): string {
  return env.MIGFLOW_NVIDIA_SMI_STATE ?? `${process.env.TMPDIR ?? '/tmp'}/migflow-nvidia-smi-state.json`;
}

export function readState(file: string, env: NodeJS.ProcessEnv = process.env): EmulatorState {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as EmulatorState;
  } catch {
    // First use: the machine described by $MIGFLOW_EMULATED_GPUS (default two A100 40GB).
    return newState(
      (env.MIGFLOW_EMULATED_GPUS ?? 'A100_40GB,A100_40GB').split(',').map((s) => s.trim()),
      powerOverride(env.MIGFLOW_EMULATED_GPU_POWER),
    );
  }
}

export function writeState(file: string, state: EmulatorState): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(tmp, file);
}

/** Runs `fn` holding an exclusive lock on the state file (a sibling `.lock` created with O_EXCL). */
export function withStateLock<T>(file: string, fn: () => T): T {
  const lock = `${file}.lock`;
  mkdirSync(dirname(file), { recursive: true });
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      closeSync(openSync(lock, 'wx'));
      break;
    } catch {
      // A lock older than 30 s belongs to a killed process.
      try {
        if (Date.now() - statSync(lock).mtimeMs > 30_000) rmSync(lock, { force: true });
      } catch {}
      if (Date.now() > deadline) throw new Error(`nvidia-smi emulator: state lock ${lock} is held`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { force: true });
  }
}
