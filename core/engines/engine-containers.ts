/**
 * Engine lifecycle: one inference-engine container (vLLM, or its emulator) per MIG slice, through the Docker API.
 * Shared by profiling and deployment. Containers are named and labelled by owner (a profiling run or deployment id)
 * and slot — never by model — so cleanup removes exactly what one owner started. Every start either returns a
 * healthy engine or removes the container and throws an EngineError carrying the last log lines.
 */
import type Docker from 'dockerode';
import { EngineError } from '../errors.js';

export const LABEL_MANAGED = 'io.migflow.managed';
export const LABEL_OWNER = 'io.migflow.owner';
export const LABEL_SLOT = 'io.migflow.slot';

export interface EngineSpec {
  /** Owner id (profiling run, deployment): part of the name and a label. */
  owner: string;
  /** Slot within the owner, e.g. `gpu0-slot2`. */
  slot: string;
  image: string;
  /** Arguments after the image's entrypoint (for vLLM: `--config …`, `--port …`). */
  args: string[];
  /** Port the engine listens on (containers use host networking). */
  port: number;
  host?: string;
  /** The MIG slice (or GPU) the engine may use; exposed as NVIDIA_VISIBLE_DEVICES. */
  device?: { uuid: string; requestGpu: boolean };
  mounts?: { hostPath: string; containerPath: string; readOnly?: boolean }[];
  env?: Record<string, string>;
  shmSizeBytes?: number;
}

export interface RunningEngine {
  name: string;
  id: string;
  baseUrl: string;
  spec: EngineSpec;
}

/** `migflow-<owner>-<slot>`, restricted to the characters Docker accepts in names. */
export function engineName(owner: string, slot: string): string {
  return `migflow-${owner}-${slot}`.replace(/[^a-zA-Z0-9_.-]/g, '-');
}

function demux(buf: Buffer): string {
  // Docker multiplexes stdout/stderr in 8-byte-framed chunks when the container has no TTY.
  let out = '';
  let i = 0;
  while (i + 8 <= buf.length && (buf[i] === 1 || buf[i] === 2) && buf[i + 1] === 0) {
    const len = buf.readUInt32BE(i + 4);
    out += buf.subarray(i + 8, i + 8 + len).toString();
    i += 8 + len;
  }
  return i === 0 ? buf.toString() : out;
}

export class EngineContainers {
  constructor(private readonly docker: Docker) {}

  /** The last `lines` log lines of a container (stdout and stderr). */
  async logs(nameOrId: string, lines = 40): Promise<string> {
    try {
      const buf = (await this.docker
        .getContainer(nameOrId)
        .logs({ stdout: true, stderr: true, tail: lines, follow: false })) as unknown as Buffer;
      return demux(Buffer.isBuffer(buf) ? buf : Buffer.from(String(buf))).trimEnd();
    } catch {
      return '';
    }
  }

  /**
   * Creates and starts the container, then waits until GET /health answers 200. On exit, timeout or abort the
   * container is removed and an EngineError (or the abort reason) is thrown.
   */
  async start(
    spec: EngineSpec,
    opts: { healthTimeoutMs?: number; signal?: AbortSignal; pollMs?: number } = {},
  ): Promise<RunningEngine> {
    const name = engineName(spec.owner, spec.slot);
    const host = spec.host ?? '127.0.0.1';
    // A leftover from a crashed attempt holds the name (and maybe the port): replace it.
    await this.remove(name);
    const env = Object.entries({
      ...(spec.env ?? {}),
      ...(spec.device ? { NVIDIA_VISIBLE_DEVICES: spec.device.uuid } : {}),
    }).map(([k, v]) => `${k}=${v}`);
    const container = await this.docker.createContainer({
      name,
      Image: spec.image,
      Cmd: spec.args,
      Env: env,
      Labels: { [LABEL_MANAGED]: 'true', [LABEL_OWNER]: spec.owner, [LABEL_SLOT]: spec.slot },
      HostConfig: {
        // MIGFLOW_ENGINE_NETWORK=container:<name> puts the engine in that container's network namespace instead of
        // the Docker host's (the multi-host drill's hosts each have a namespace of their own).
        NetworkMode: process.env.MIGFLOW_ENGINE_NETWORK?.trim() || 'host',
        ...(spec.shmSizeBytes ? { ShmSize: spec.shmSizeBytes } : {}),
        Binds: (spec.mounts ?? []).map((m) => `${m.hostPath}:${m.containerPath}${m.readOnly ? ':ro' : ''}`),
        ...(spec.device?.requestGpu
          ? {
              DeviceRequests: [
                { Driver: 'nvidia', DeviceIDs: [spec.device.uuid], Capabilities: [['gpu', 'utility']] },
              ],
            }
          : {}),
      },
    });
    const engine: RunningEngine = { name, id: container.id, baseUrl: `http://${host}:${spec.port}`, spec };
    try {
      await container.start();
      await this.waitHealthy(engine, opts);
      return engine;
    } catch (err) {
      const tail = await this.logs(name);
      await this.remove(name);
      if (opts.signal?.aborted) throw opts.signal.reason ?? err;
      if (err instanceof EngineError) throw new EngineError(err.container, err.image, err.problem, tail);
      throw new EngineError(
        name,
        spec.image,
        `could not start: ${err instanceof Error ? err.message : String(err)}`,
        tail,
      );
    }
  }

  private async waitHealthy(
    engine: RunningEngine,
    opts: { healthTimeoutMs?: number; signal?: AbortSignal; pollMs?: number },
  ): Promise<void> {
    const timeoutMs = opts.healthTimeoutMs ?? 600_000;
    const deadline = Date.now() + timeoutMs;
    const container = this.docker.getContainer(engine.id);
    for (;;) {
      opts.signal?.throwIfAborted();
      try {
        const res = await fetch(`${engine.baseUrl}/health`, { signal: AbortSignal.timeout(2_000) });
        if (res.status === 200) return;
      } catch {
        // Not listening yet.
      }
      const state = (await container.inspect()).State;
      if (!state.Running) {
        throw new EngineError(
          engine.name,
          engine.spec.image,
          `exited with code ${state.ExitCode} before becoming healthy`,
          '',
        );
      }
      if (Date.now() > deadline) {
        throw new EngineError(
          engine.name,
          engine.spec.image,
          `/health did not answer 200 within ${Math.round(timeoutMs / 1000)} s`,
          '',
        );
      }
      await new Promise((r) => setTimeout(r, opts.pollMs ?? 250));
    }
  }

  /** Stops (SIGTERM, then SIGKILL after `timeoutS`) and removes a container; a missing one is fine. */
  async remove(nameOrId: string, timeoutS = 10): Promise<void> {
    const c = this.docker.getContainer(nameOrId);
    try {
      await c.stop({ t: timeoutS });
    } catch {
      // Not running, or gone.
    }
    try {
      await c.remove({ force: true });
    } catch {
      // Gone already.
    }
  }

  /** migflow's containers, optionally of one owner. */
  async list(
    owner?: string,
  ): Promise<{ id: string; name: string; owner: string; slot: string; state: string }[]> {
    const filters = { label: [`${LABEL_MANAGED}=true`, ...(owner ? [`${LABEL_OWNER}=${owner}`] : [])] };
    const all = await this.docker.listContainers({ all: true, filters });
    return all.map((c) => ({
      id: c.Id,
      name: (c.Names[0] ?? '').replace(/^\//, ''),
      owner: c.Labels[LABEL_OWNER] ?? '',
      slot: c.Labels[LABEL_SLOT] ?? '',
      state: c.State,
    }));
  }

  /** Removes every container of `owner` and nothing else. */
  async removeOwner(owner: string): Promise<string[]> {
    const mine = await this.list(owner);
    await Promise.all(mine.map((c) => this.remove(c.id, 5)));
    return mine.map((c) => c.name);
  }
}
