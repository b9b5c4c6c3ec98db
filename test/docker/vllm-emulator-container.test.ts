/**
 * The vLLM emulator image on a real Docker engine: start faults end as clear EngineErrors with the log tail and
 * no container left, restart time is measured down → up → /health, and the sweeps and the KV-cache reading work
 * against the container exactly as against a real vLLM one.
 */

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { vllmEngineSpec } from '../../core/engines/vllm-engine.js';
import { EngineError } from '../../core/errors.js';
import { readBenchJson, tpotPoints } from '../../core/profiling/fit-input.js';
import { parseKvCacheLog } from '../../core/profiling/kv-cache-log.js';
import { measureRestartTime } from '../../core/profiling/restart-time.js';
import { defaultConcurrencyPlan, runSweep } from '../../core/profiling/sweeps.js';
import { freePort } from '../../core/util/free-port.js';
import { useEmulatorEngines } from '../helpers/emulator-engines.js';

const emu = useEmulatorEngines('test-vllm-emu');
const { engines, owner } = emu;

const spec = async (slot: string, env: Record<string, string>) =>
  vllmEngineSpec({
    owner,
    slot,
    image: emu.image,
    modelConfigFile: 'configs/models/qwen2_5-7b-instruct.yaml',
    port: await freePort(),
    deviceUuid: `MIG-emulated-${slot}`,
    requestGpu: false,
    hostCacheDir: null,
    env: { MIGFLOW_EMU_BOOT_MS: '200', ...env },
  });

describe('vLLM emulator container', () => {
  it('reports a container that exits at start with its last log lines, and removes it', async () => {
    const err = await engines
      .start(await spec('exit', { MIGFLOW_EMU_FAULT: 'exit-at-start' }), { healthTimeoutMs: 60_000 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).message).toMatch(/exited with code 1 before becoming healthy/);
    expect((err as EngineError).logTail).toMatch(/EngineCore failed to start/);
    expect(await engines.list(owner)).toEqual([]);
  });

  it('gives up on a container whose /health never answers 200, and removes it', async () => {
    const err = await engines
      .start(await spec('stuck', { MIGFLOW_EMU_FAULT: 'never-healthy' }), { healthTimeoutMs: 4_000 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).message).toMatch(/did not answer 200 within 4 s/);
    expect((err as EngineError).logTail).toMatch(/never-healthy/);
    expect(await engines.list(owner)).toEqual([]);
  });

  it('measures restart time as stop + start + /health, boot time included', async () => {
    const first = await engines.start(await spec('restart', { MIGFLOW_EMU_BOOT_MS: '1500' }), {
      healthTimeoutMs: 60_000,
    });
    const t = await measureRestartTime(engines, first, { healthTimeoutMs: 60_000 });
    try {
      expect(t.upS).toBeGreaterThanOrEqual(1.5);
      expect(t.restartTimeS).toBeCloseTo(t.downS + t.upS, 6);
      expect((await fetch(`${t.engine.baseUrl}/health`)).status).toBe(200);
    } finally {
      await engines.remove(t.engine.name);
    }
    expect(await engines.list(owner)).toEqual([]);
  });

  it('runs a concurrency sweep against the container and reads its KV-cache size from the container log', async () => {
    const e = await engines.start(
      await spec('sweep', {
        MIGFLOW_EMU_KV_CACHE_TOKENS: '36700',
        MIGFLOW_EMU_KV_PER_TOKEN_KB: '56',
        MIGFLOW_EMU_DECODE_ALPHA: '0.002',
        MIGFLOW_EMU_PREFILL_ALPHA: '0.002',
      }),
      { healthTimeoutMs: 60_000 },
    );
    try {
      const dir = mkdtempSync(join(tmpdir(), 'sweep-docker-'));
      const plan = defaultConcurrencyPlan({
        modelId: 'Qwen/Qwen2.5-7B-Instruct',
        resultDir: dir,
        timestamp: 'T',
        levels: [1, 2],
        promptsFor: () => 4,
        outputLen: 10,
        pauseBetweenLevelsMs: 0,
      });
      const files = await runSweep(e.baseUrl, 'Qwen/Qwen2.5-7B-Instruct', plan);
      const ns = files.map((f) => tpotPoints(f, readBenchJson(f))).map((p) => (p.skipped ? 0 : p.n));
      expect(ns).toEqual([1, 2]);
      const kv = parseKvCacheLog(await engines.logs(e.name, 200), { kvPerTokenKb: 56 });
      expect(kv).toMatchObject({ form: 'available-memory', kvCacheGb: 1.96, tokens: 36700 });
    } finally {
      await engines.remove(e.name);
    }
    expect(await engines.list(owner)).toEqual([]);
  });
});
