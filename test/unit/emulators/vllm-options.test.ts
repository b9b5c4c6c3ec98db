/** The emulator reads its settings the way a vLLM container is configured: vLLM argv, --config YAML, env. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EmulatorArgError, resolveOptions } from '../../../emulators/vllm/options.js';

describe('vLLM emulator options', () => {
  it("accepts vLLM's own argv shape, reads the --config file's keys and ignores vLLM flags it does not model", () => {
    const dir = mkdtempSync(join(tmpdir(), 'emu-opts-'));
    const cfg = join(dir, 'qwen.yaml');
    writeFileSync(
      cfg,
      'model: Qwen/Qwen2.5-3B-Instruct\nmax_model_len: 32767\nmax_num_seqs: 72\ngpu_memory_utilization: 0.9\n',
    );
    const o = resolveOptions(
      ['serve', '--config', cfg, '--port', '8011', '--gpu-memory-utilization', '0.8', '--enforce-eager'],
      {},
    );
    expect(o.model).toBe('Qwen/Qwen2.5-3B-Instruct');
    expect(o.servedModelName).toBe('Qwen/Qwen2.5-3B-Instruct');
    expect(o.port).toBe(8011);
    expect(o.maxModelLen).toBe(32767);
    expect(o.engine.maxNumSeqs).toBe(72);
    expect(o.host).toBe('127.0.0.1');
  });

  it('takes the emulated truth from flags over MIGFLOW_EMU_* variables over defaults', () => {
    const env = {
      MIGFLOW_EMU_PREFILL_ALPHA: '0.5',
      MIGFLOW_EMU_DECODE_BETA: '0.003',
      MIGFLOW_EMU_KV_CACHE_GIB: '2',
    };
    const o = resolveOptions(['--prefill-alpha', '0.25', '--kv-per-token-kb', '64'], env);
    expect(o.engine.prefill.alpha).toBe(0.25);
    expect(o.engine.decode.beta).toBe(0.003);
    // 2 GiB at 64 KiB per token.
    expect(o.engine.kvCacheTokens).toBe(32768);
    expect(resolveOptions([], {}).engine.prefill.alpha).toBe(0.028);
  });

  it('rejects a malformed value naming the flag', () => {
    expect(() => resolveOptions(['--decode-alpha', 'fast'], {})).toThrow(EmulatorArgError);
    expect(() => resolveOptions(['--decode-alpha', 'fast'], {})).toThrow(
      /--decode-alpha fast: expected seconds/,
    );
    expect(() => resolveOptions(['--fault', 'explode'], {})).toThrow(/--fault explode/);
  });
});
