/**
 * The container spec of one vLLM engine on one MIG slice, as the reference's launch_vllm.sh + compose service
 * start it: the slice pinned through NVIDIA_VISIBLE_DEVICES and a GPU device request for its MIG UUID, 10 GB of
 * shared memory, the model's `--config` file mounted read-only at /vllm-workspace/configs, the host's ~/.cache
 * (Hugging Face weights, vLLM compile cache) mounted at /root/.cache, and migflow's labels (EngineContainers adds
 * those). The image comes from docker-compose.yaml's `vllm-server` service, so users point one place at their build.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { ConfigError } from '../errors.js';
import type { EngineSpec } from './engine-containers.js';

/** Where the compose service mounts ./configs/models inside the container. */
export const CONTAINER_CONFIG_DIR = '/vllm-workspace/configs';
/** The reference's `shm_size: 10gb`. */
export const VLLM_SHM_BYTES = 10 * 1024 ** 3;

export interface VllmEngineOptions {
  owner: string;
  slot: string;
  image: string;
  /** The model's vLLM config YAML on the host (configs/models/<file>.yaml). */
  modelConfigFile: string;
  port: number;
  host?: string;
  /** MIG UUID (or GPU UUID) of the slice; omitted when the engine needs no device (emulated hardware). */
  deviceUuid?: string;
  /** Ask Docker's nvidia driver for the device (false with emulated hardware: no nvidia runtime there). */
  requestGpu: boolean;
  /** Host cache directory mounted at /root/.cache (default ~/.cache); null mounts none. */
  hostCacheDir?: string | null;
  env?: Record<string, string>;
  shmSizeBytes?: number;
  /** More bind mounts (rehearsals: the emulated GPU's activity folder the vLLM emulator reports its load to). */
  extraMounts?: { hostPath: string; containerPath: string; readOnly?: boolean }[];
}

export function vllmEngineSpec(o: VllmEngineOptions): EngineSpec {
  const configFile = resolve(o.modelConfigFile);
  const cache = o.hostCacheDir === undefined ? join(homedir(), '.cache') : o.hostCacheDir;
  const host = o.host ?? '127.0.0.1';
  return {
    owner: o.owner,
    slot: o.slot,
    image: o.image,
    // Host networking: vLLM listens on the given port directly (the compose file maps PORT→8000 instead).
    args: [
      '--config',
      `${CONTAINER_CONFIG_DIR}/${basename(configFile)}`,
      '--host',
      host,
      '--port',
      String(o.port),
    ],
    port: o.port,
    host,
    ...(o.deviceUuid ? { device: { uuid: o.deviceUuid, requestGpu: o.requestGpu } } : {}),
    mounts: [
      { hostPath: dirname(configFile), containerPath: CONTAINER_CONFIG_DIR, readOnly: true },
      ...(cache ? [{ hostPath: cache, containerPath: '/root/.cache' }] : []),
      ...(o.extraMounts ?? []),
    ],
    env: { HF_HOME: '/root/.cache/huggingface', VLLM_CACHE_ROOT: '/root/.cache/vllm', ...(o.env ?? {}) },
    shmSizeBytes: o.shmSizeBytes ?? VLLM_SHM_BYTES,
  };
}

/** The image of the `vllm-server` service in docker-compose.yaml (the one place users set their vLLM build). */
export function vllmImageFromCompose(composeFile: string): string {
  if (!existsSync(composeFile)) {
    throw new ConfigError(
      composeFile,
      '',
      'file does not exist',
      'restore docker-compose.yaml from the repository',
    );
  }
  const doc = parse(readFileSync(composeFile, 'utf8')) as { services?: Record<string, { image?: unknown }> };
  const image = doc?.services?.['vllm-server']?.image;
  if (typeof image !== 'string' || image === '') {
    throw new ConfigError(
      composeFile,
      'services.vllm-server.image',
      'missing',
      'set the vLLM image (e.g. vllm/vllm-openai:v0.17.0) on the vllm-server service',
    );
  }
  return image;
}
