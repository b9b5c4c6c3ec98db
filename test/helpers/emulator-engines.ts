/**
 * The engine-container tests' set-up: a Docker client, the vLLM emulator image built (or reused) before the file's
 * tests, and every container the file started under its owner label removed after them.
 */
import Docker from 'dockerode';
import { afterAll, beforeAll } from 'vitest';
import { EngineContainers } from '../../core/engines/engine-containers.js';
import { buildVllmEmulatorImage } from '../../emulators/vllm-emulator-image.js';

export interface EmulatorEngines {
  readonly docker: Docker;
  readonly engines: EngineContainers;
  /** The owner label of this file's containers (`<ownerPrefix>-<pid>`). */
  readonly owner: string;
  /** The emulator image's tag (set once beforeAll has run). */
  readonly image: string;
}

/** Registers the file's beforeAll/afterAll; `image` is set once beforeAll has run. */
export function useEmulatorEngines(ownerPrefix: string): EmulatorEngines {
  const docker = new Docker();
  const t = {
    docker,
    engines: new EngineContainers(docker),
    owner: `${ownerPrefix}-${process.pid}`,
    image: '',
  };
  beforeAll(async () => {
    await docker.ping();
    t.image = (await buildVllmEmulatorImage(docker)).tag;
  }, 300_000);
  afterAll(async () => {
    await t.engines.removeOwner(t.owner);
  });
  return t;
}
