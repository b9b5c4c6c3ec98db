/** GPU discovery for GPU-pinned workers: `nvidia-smi -L` where it exists, `--gpus` overrides. */
import { execa } from 'execa';
import type { WorkerNEnvs } from '../core/stages/train/index.js';

export interface GpuInfo {
  index: number;
  name: string;
  uuid: string;
}

/** Parses `nvidia-smi -L` lines such as `GPU 0: NVIDIA A100-SXM4-40GB (UUID: GPU-…)`; MIG lines are skipped. */
export function parseNvidiaSmiList(stdout: string): GpuInfo[] {
  const gpus: GpuInfo[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^GPU (\d+): (.+?) \(UUID: (GPU-[^)]+)\)/.exec(line.trim());
    if (m) gpus.push({ index: Number(m[1]), name: m[2]!, uuid: m[3]! });
  }
  return gpus;
}

/** The GPUs nvidia-smi reports, or [] when it is missing or fails (no driver). */
export async function discoverGpus(
  nvidiaSmi = process.env.MIGFLOW_NVIDIA_SMI ?? 'nvidia-smi',
): Promise<GpuInfo[]> {
  const r = await execa(nvidiaSmi, ['-L'], { reject: false, timeout: 15_000 });
  if (r.exitCode !== 0) return [];
  return parseNvidiaSmiList(r.stdout);
}

export interface GpuWorkerOptions {
  gpu: number;
  /** Run without a physical GPU (emulated hardware for rehearsals and CI). */
  emulate: boolean;
  /** Override discovery: the GPU indices this host has. */
  gpus?: number[];
  /**
   * Environments for a training run that names no n_envs (neither `nEnvs` nor a `training.PPO.n_envs` override):
   * `auto` (default) = one per core of this host, at most 8; a number; or `config` = the training config's value.
   */
  nEnvs?: WorkerNEnvs;
}

/** Decides whether GPU `gpu` may get a worker; returns the reason when not. */
export async function checkGpu(opts: GpuWorkerOptions): Promise<string | undefined> {
  if (opts.emulate) return undefined;
  const available = opts.gpus ?? (await discoverGpus()).map((g) => g.index);
  if (available.length === 0) {
    return 'no GPU found (nvidia-smi -L lists none or is missing) — fix: run on a GPU host, pass --gpus to override discovery, or --emulate to rehearse with emulated hardware';
  }
  if (!available.includes(opts.gpu)) {
    return `GPU ${opts.gpu} is not on this host (found ${available.join(', ')}) — fix: pick one of those with --gpu`;
  }
  return undefined;
}
