/**
 * The deployment's engines: one container per slot through the shared engine lifecycle, named
 * `migflow-<deployment>-gpu<g>-s<start>` (permanent engines `…-sim<g>-s<start>`) and labelled by deployment and
 * slot — never by model, so stopping always targets exactly what was started (the reference's served-model-id bug
 * cannot happen). The container's environment records the slot's agent, MIG profile and UUID, which is how a new
 * worker tells which running containers still match the desired layout.
 */
import { join } from 'node:path';
import type Docker from 'dockerode';
import { engineProfileConfig, type ResolvedSimulationConfig } from '../config/index.js';
import { type EngineContainers, engineName, vllmEngineSpec } from '../engines/index.js';
import { EngineError } from '../errors.js';
import type { AgentName } from '../mig/index.js';
import type { LiveSlot } from './live-cluster.js';
import { drainEngine } from './vllm-metrics.js';

export interface EngineSettings {
  deploymentId: string;
  image: string;
  /** Image of the permanent (emulated backup) engines: the vLLM emulator, which needs no GPU. */
  permanentImage: string;
  /** Absolute host directory of the vLLM `--config` files. */
  modelsDir: string;
  /** Absolute host cache mounted at /root/.cache (real engines only). */
  cacheDir?: string;
  basePort: number;
  host: string;
  healthTimeoutMs: number;
  drainTimeoutMs: number;
  stopGraceS: number;
  shmSizeBytes: number;
  /** Pass the MIG device to Docker (real hardware); off for emulated GPUs. */
  requestGpu: boolean;
  /** Environment of every engine (e.g. the emulator's `MIGFLOW_EMU_*` latency settings; vLLM ignores them). */
  extraEnv: Readonly<Record<string, string>>;
  /** Per slot key, more environment (rehearsals inject engine faults this way: MIGFLOW_EMU_FAULT). */
  slotEnv: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** More bind mounts of every engine (rehearsals: the emulated GPUs' activity folder, for power.draw). */
  mounts?: readonly { hostPath: string; containerPath: string }[];
}

export const ENV_AGENT = 'MIGFLOW_AGENT';
export const ENV_PROFILE = 'MIGFLOW_MIG_PROFILE';
export const ENV_UUID = 'MIG_UUID';
export const ENV_PORT = 'MIGFLOW_PORT';

/** Ports: 14 per GPU from base_port; each slot keeps its port across restarts and transfers. */
export function slotPort(settings: EngineSettings, gpuOrdinal: number, start: number): number {
  return settings.basePort + 14 * gpuOrdinal + start;
}

/** `qwen2.5-coder-7b-instruct` → `qwen2_5-coder-7b-instruct.yaml` (the reference's MODEL_FILENAME rule). */
export function modelConfigFile(modelKey: string): string {
  return `${(modelKey.split('/').at(-1) ?? modelKey).replace(/\./g, '_')}.yaml`;
}

export function modelKeyFor(
  simulation: ResolvedSimulationConfig,
  agent: AgentName,
  gpuModel: string,
  hardware: string,
): string {
  return engineProfileConfig(simulation, agent, gpuModel, hardware).model;
}

export interface ActualEngine {
  name: string;
  id: string;
  slot: string;
  running: boolean;
  agent?: string;
  profile?: string;
  uuid?: string;
  port?: number;
}

export class SlotEngines {
  constructor(
    private readonly docker: Docker,
    private readonly containers: EngineContainers,
    readonly settings: EngineSettings,
  ) {}

  nameOf(slotKey: string): string {
    return engineName(this.settings.deploymentId, slotKey);
  }

  /** This deployment's containers with the slot facts their environment records. */
  async actual(): Promise<ActualEngine[]> {
    const list = await this.containers.list(this.settings.deploymentId);
    return Promise.all(
      list.map(async (c) => {
        const env = new Map<string, string>();
        try {
          const info = await this.docker.getContainer(c.id).inspect();
          for (const kv of info.Config.Env ?? []) {
            const i = kv.indexOf('=');
            if (i > 0) env.set(kv.slice(0, i), kv.slice(i + 1));
          }
        } catch {
          // Removed meanwhile: it reads as not running.
        }
        const port = Number(env.get(ENV_PORT));
        return {
          name: c.name,
          id: c.id,
          slot: c.slot,
          running: c.state === 'running',
          ...(env.has(ENV_AGENT) ? { agent: env.get(ENV_AGENT)! } : {}),
          ...(env.has(ENV_PROFILE) ? { profile: env.get(ENV_PROFILE)! } : {}),
          ...(env.has(ENV_UUID) ? { uuid: env.get(ENV_UUID)! } : {}),
          ...(Number.isFinite(port) ? { port } : {}),
        };
      }),
    );
  }

  /**
   * Starts the slot's engine and waits for /health, then asks /v1/models for the served id. Throws EngineError
   * (container removed) when it exits or never becomes healthy.
   */
  async start(
    slot: LiveSlot,
    simulation: ResolvedSimulationConfig,
    gpuModel: string,
    signal?: AbortSignal,
  ): Promise<void> {
    const s = this.settings;
    const p = slot.plan;
    const modelKey = modelKeyFor(simulation, p.agent, gpuModel, p.hardware);
    const image = p.permanent ? s.permanentImage : s.image;
    const uuid = slot.uuid ?? `SIM-MIG-${p.key}`;
    const spec = vllmEngineSpec({
      owner: s.deploymentId,
      slot: p.key,
      image,
      modelConfigFile: join(s.modelsDir, modelConfigFile(modelKey)),
      port: slot.port,
      host: s.host,
      deviceUuid: uuid,
      requestGpu: s.requestGpu && !p.permanent,
      hostCacheDir: p.permanent ? null : (s.cacheDir ?? null),
      env: {
        ...s.extraEnv,
        ...(s.slotEnv[p.key] ?? {}),
        [ENV_UUID]: uuid,
        [ENV_AGENT]: p.agent,
        [ENV_PROFILE]: p.hardware,
        [ENV_PORT]: String(slot.port),
      },
      shmSizeBytes: s.shmSizeBytes,
      ...(s.mounts ? { extraMounts: [...s.mounts] } : {}),
    });
    const engine = await this.containers.start(spec, {
      healthTimeoutMs: s.healthTimeoutMs,
      ...(signal ? { signal } : {}),
    });
    slot.container = engine.name;
    slot.servedModel = await servedModel(slot.baseUrl, engine.name, image);
    slot.ready = true;
  }

  /** Drains (unless `drain` is false), then stops and removes the slot's container. */
  async stop(slot: LiveSlot, drain: boolean, signal?: AbortSignal): Promise<string> {
    slot.draining = true;
    let how = 'stopped';
    if (drain && slot.ready) {
      how = await drainEngine(slot.baseUrl, {
        timeoutMs: this.settings.drainTimeoutMs,
        pollMs: 500,
        ...(signal ? { signal } : {}),
      });
    }
    await this.containers.remove(this.nameOf(slot.plan.key), this.settings.stopGraceS);
    slot.ready = false;
    slot.draining = false;
    slot.container = undefined;
    slot.metrics = undefined;
    return how;
  }

  async removeByName(name: string): Promise<void> {
    await this.containers.remove(name, this.settings.stopGraceS);
  }

  async removeAll(): Promise<string[]> {
    return this.containers.removeOwner(this.settings.deploymentId);
  }

  logs(name: string, lines = 40): Promise<string> {
    return this.containers.logs(name, lines);
  }
}

async function servedModel(baseUrl: string, container: string, image: string): Promise<string> {
  const res = await fetch(`${baseUrl}/v1/models`, { signal: AbortSignal.timeout(5_000) }).catch(
    (err: unknown) => {
      throw new EngineError(container, image, `/v1/models failed: ${String(err)}`, '');
    },
  );
  const body = (await res.json().catch(() => ({}))) as { data?: { id?: string }[] };
  const id = body.data?.[0]?.id;
  if (!res.ok || !id)
    throw new EngineError(container, image, `/v1/models answered no model (${res.status})`, '');
  return id;
}
