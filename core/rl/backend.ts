/**
 * Picks the tfjs backend training runs on, fastest first: @tensorflow/tfjs-node-gpu when it loads and a GPU is
 * visible, then @tensorflow/tfjs-node (native TensorFlow on the CPU), then @tensorflow/tfjs with the wasm backend
 * (SIMD; threads where the runtime offers them), then tfjs's plain-JS cpu backend. The native packages are
 * optional: they download libtensorflow at install time, so they are often absent, and loading them is tried,
 * never required. `MIGFLOW_TF_BACKEND` (node-gpu | node | wasm | cpu) forces one and fails loudly when it
 * cannot load.
 */
import * as tf from '@tensorflow/tfjs';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { execa } from 'execa';
import { ConfigError } from '../errors.js';

export const TF_BACKENDS = ['node-gpu', 'node', 'wasm', 'cpu'] as const;
export type TfBackendChoice = (typeof TF_BACKENDS)[number];

export interface TfBackendInfo {
  /** Which candidate was chosen. */
  readonly choice: TfBackendChoice;
  /** tfjs's name for it ('tensorflow', 'wasm', 'cpu'). */
  readonly backend: string;
  readonly gpu: boolean;
  /** wasm: SIMD and thread count in use. */
  readonly simd?: boolean;
  readonly threads?: number;
  /** Why faster candidates were passed over, for the run metadata. */
  readonly skipped: readonly string[];
}

let chosen: Promise<TfBackendInfo> | undefined;

async function gpuVisible(): Promise<boolean> {
  if (process.env.CUDA_VISIBLE_DEVICES === '' || process.env.CUDA_VISIBLE_DEVICES === '-1') return false;
  try {
    const { stdout } = await execa('nvidia-smi', ['-L'], { timeout: 10_000, reject: true });
    return /^GPU \d+/m.test(stdout);
  } catch {
    return false;
  }
}

/** Loads an optional package by name; the name is a variable so TypeScript and bundlers leave it alone. */
async function tryImport(name: string): Promise<string | undefined> {
  try {
    await import(name);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message.split('\n')[0] : String(err);
  }
}

async function useNative(choice: 'node-gpu' | 'node', skipped: string[]): Promise<TfBackendInfo | undefined> {
  const pkg = choice === 'node-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
  if (choice === 'node-gpu' && !(await gpuVisible())) {
    skipped.push(`${pkg}: no GPU visible (nvidia-smi -L lists none)`);
    return undefined;
  }
  const failure = await tryImport(pkg);
  if (failure !== undefined) {
    skipped.push(`${pkg}: ${failure}`);
    return undefined;
  }
  if (!(await tf.setBackend('tensorflow'))) {
    skipped.push(`${pkg}: loaded but the 'tensorflow' backend did not start`);
    return undefined;
  }
  return { choice, backend: 'tensorflow', gpu: choice === 'node-gpu', skipped };
}

async function useWasm(skipped: string[]): Promise<TfBackendInfo | undefined> {
  try {
    // Threads need SharedArrayBuffer plus the threaded wasm build; tfjs uses them only where both work.
    const threads = Math.max(1, Math.min(4, Number(process.env.MIGFLOW_TF_THREADS ?? 2)));
    setThreadsCount(threads);
    if (!(await tf.setBackend('wasm'))) throw new Error('setBackend(wasm) returned false');
    await tf.ready();
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    const mt = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
    return {
      choice: 'wasm',
      backend: 'wasm',
      gpu: false,
      simd: Boolean(simd),
      threads: mt ? threads : 1,
      skipped,
    };
  } catch (err) {
    skipped.push(`@tensorflow/tfjs-backend-wasm: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
}

async function useCpu(skipped: string[]): Promise<TfBackendInfo | undefined> {
  if (!(await tf.setBackend('cpu'))) {
    skipped.push('cpu: setBackend(cpu) returned false');
    return undefined;
  }
  return { choice: 'cpu', backend: 'cpu', gpu: false, skipped };
}

async function select(force: string | undefined): Promise<TfBackendInfo> {
  const skipped: string[] = [];
  if (force !== undefined && force !== '') {
    if (!(TF_BACKENDS as readonly string[]).includes(force)) {
      throw new ConfigError(
        'environment',
        'MIGFLOW_TF_BACKEND',
        `"${force}" is not a backend`,
        `set it to one of ${TF_BACKENDS.join(', ')}, or unset it to pick the fastest available`,
      );
    }
    const choice = force as TfBackendChoice;
    let info: TfBackendInfo | undefined;
    if (choice === 'wasm') info = await useWasm(skipped);
    else if (choice === 'cpu') info = await useCpu(skipped);
    else info = await useNative(choice, skipped);
    if (!info) {
      throw new ConfigError(
        'environment',
        'MIGFLOW_TF_BACKEND',
        `backend ${force} cannot be used: ${skipped.join('; ')}`,
        'install the package it needs, or unset MIGFLOW_TF_BACKEND',
      );
    }
    return info;
  }
  const found =
    (await useNative('node-gpu', skipped)) ?? (await useNative('node', skipped)) ?? (await useWasm(skipped));
  if (found) return found;
  const cpu = await useCpu(skipped);
  if (!cpu) throw new Error(`no tfjs backend could start: ${skipped.join('; ')}`);
  return cpu;
}

/**
 * Selects and starts the backend once per process (tfjs has one global engine); later calls return the same
 * choice. `force` defaults to `MIGFLOW_TF_BACKEND`.
 */
export function selectTfBackend(
  force: string | undefined = process.env.MIGFLOW_TF_BACKEND,
): Promise<TfBackendInfo> {
  chosen ??= select(force).catch((err: unknown) => {
    chosen = undefined;
    throw err;
  });
  return chosen;
}

/** One line for logs: "wasm (SIMD, 1 thread)". */
export function describeBackend(b: TfBackendInfo): string {
  if (b.choice === 'wasm')
    return `wasm (${b.simd ? 'SIMD' : 'no SIMD'}, ${b.threads} thread${b.threads === 1 ? '' : 's'})`;
  if (b.choice === 'node-gpu') return 'tfjs-node-gpu (GPU)';
  if (b.choice === 'node') return 'tfjs-node (native CPU)';
  return 'cpu (plain JS)';
}
