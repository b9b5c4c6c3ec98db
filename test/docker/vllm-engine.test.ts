/** A vLLM engine container for one MIG slice, with the emulator image: device, --config mount, shm, labels. */
import { describe, expect, it } from 'vitest';
import { LABEL_MANAGED, LABEL_OWNER } from '../../core/engines/engine-containers.js';
import { VLLM_SHM_BYTES, vllmEngineSpec, vllmImageFromCompose } from '../../core/engines/vllm-engine.js';
import { freePort } from '../../core/util/free-port.js';
import { useEmulatorEngines } from '../helpers/emulator-engines.js';

const emu = useEmulatorEngines('test-vllm');
const { docker, engines, owner } = emu;

describe('vLLM engine container', () => {
  it('pins the MIG UUID, mounts the model config, sets 10 GB shm and labels, and serves the configured model', async () => {
    const port = await freePort();
    const spec = vllmEngineSpec({
      owner,
      slot: 'gpu0-1g.10gb',
      image: emu.image,
      modelConfigFile: 'configs/models/qwen2_5-7b-instruct.yaml',
      port,
      deviceUuid: 'MIG-4f1e-emulated',
      requestGpu: false,
      hostCacheDir: null,
      env: { MIGFLOW_EMU_BOOT_MS: '200', MIGFLOW_EMU_KV_CACHE_TOKENS: '35225' },
    });
    const e = await engines.start(spec, { healthTimeoutMs: 60_000 });
    try {
      const models = (await (await fetch(`${e.baseUrl}/v1/models`)).json()) as { data: { id: string }[] };
      expect(models.data.map((m) => m.id)).toContain('Qwen/Qwen2.5-7B-Instruct');
      const info = await docker.getContainer(e.id).inspect();
      expect(info.Config.Env).toContain('NVIDIA_VISIBLE_DEVICES=MIG-4f1e-emulated');
      expect(info.HostConfig.ShmSize).toBe(VLLM_SHM_BYTES);
      expect(info.Config.Labels[LABEL_MANAGED]).toBe('true');
      expect(info.Config.Labels[LABEL_OWNER]).toBe(owner);
      expect(info.Mounts.map((m) => m.Destination)).toEqual(['/vllm-workspace/configs']);
      const logs = await engines.logs(e.name, 100);
      expect(logs).toContain('GPU KV cache size: 35,225 tokens');
      expect(logs).toContain('device=MIG-4f1e-emulated');
    } finally {
      await engines.remove(e.name);
    }
    expect(await engines.list(owner)).toEqual([]);
  });

  it('asks Docker for the GPU by MIG UUID when real hardware is requested', () => {
    const spec = vllmEngineSpec({
      owner,
      slot: 's',
      image: vllmImageFromCompose('docker-compose.yaml'),
      modelConfigFile: 'configs/models/qwen2_5-7b-instruct.yaml',
      port: 8000,
      deviceUuid: 'MIG-abc',
      requestGpu: true,
    });
    expect(spec.image).toMatch(/^vllm\/vllm-openai:/);
    expect(spec.device).toEqual({ uuid: 'MIG-abc', requestGpu: true });
    expect(spec.args).toEqual([
      '--config',
      '/vllm-workspace/configs/qwen2_5-7b-instruct.yaml',
      '--host',
      '127.0.0.1',
      '--port',
      '8000',
    ]);
    expect(spec.mounts?.map((m) => m.containerPath)).toEqual(['/vllm-workspace/configs', '/root/.cache']);
  });
});
