/** The engine lifecycle against a real Docker engine, with a locally imported image (no registry). */

import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineContainers } from '../../core/engines/engine-containers.js';
import { EngineError } from '../../core/errors.js';
import { freePort } from '../../core/util/free-port.js';
import { buildNodeScriptImage } from '../../emulators/node-script-image.js';

const docker = new Docker();
const engines = new EngineContainers(docker);
const owner = `test-${process.pid}`;
let image: string;

beforeAll(async () => {
  await docker.ping().catch(() => {
    throw new Error(
      'the Docker engine is not reachable — start it (see .ci/run: dockerd --storage-driver=vfs …)',
    );
  });
  const entry = fileURLToPath(new URL('../fixtures/engines/health-server.ts', import.meta.url));
  ({ tag: image } = await buildNodeScriptImage({ entry, tag: 'migflow/test-engine:local', docker }));
});
afterAll(async () => {
  await engines.removeOwner(owner);
});

describe('engine containers', () => {
  it('starts a labelled engine, waits for /health, captures its logs, and removes it on stop', async () => {
    const port = await freePort();
    const e = await engines.start(
      {
        owner,
        slot: 'gpu0-s1',
        image,
        args: ['--port', String(port), '--boot-ms', '500'],
        port,
        device: { uuid: 'MIG-test-uuid', requestGpu: false },
      },
      { healthTimeoutMs: 30_000 },
    );
    expect(e.name).toBe(`migflow-${owner}-gpu0-s1`);
    expect((await fetch(`${e.baseUrl}/health`)).status).toBe(200);
    expect(await engines.logs(e.name)).toContain('device=MIG-test-uuid');
    expect(await engines.list(owner)).toEqual([
      expect.objectContaining({ name: e.name, slot: 'gpu0-s1', state: 'running' }),
    ]);
    await engines.remove(e.name);
    expect(await engines.list(owner)).toEqual([]);
  });

  it('reports an engine that exits at start with its last log lines, and leaves no container', async () => {
    const port = await freePort();
    const err = await engines
      .start(
        { owner, slot: 'crash', image, args: ['--port', String(port), '--mode', 'exit'], port },
        { healthTimeoutMs: 30_000 },
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).message).toMatch(/exited with code 3 before becoming healthy/);
    expect((err as EngineError).logTail).toContain('CUDA out of memory');
    expect(await engines.list(owner)).toEqual([]);
  });

  it('gives up on an engine whose /health never answers, and removes it', async () => {
    const port = await freePort();
    const err = await engines
      .start(
        { owner, slot: 'stuck', image, args: ['--port', String(port), '--mode', 'never'], port },
        { healthTimeoutMs: 2_000 },
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).message).toMatch(/did not answer 200 within 2 s/);
    expect(await engines.list(owner)).toEqual([]);
  });

  it('removes the container when the start is cancelled', async () => {
    const port = await freePort();
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('cancelled by test')), 800);
    const err = await engines
      .start(
        { owner, slot: 'cancel', image, args: ['--port', String(port), '--mode', 'never'], port },
        { healthTimeoutMs: 60_000, signal: ac.signal },
      )
      .catch((e: unknown) => e);
    expect((err as Error).message).toBe('cancelled by test');
    expect(await engines.list(owner)).toEqual([]);
  });
});
