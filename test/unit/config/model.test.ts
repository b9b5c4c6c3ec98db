import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModelConfig, loadModelConfigForKey, modelConfigFileName } from '../../../core/config/model.js';
import { configErrorOf as configError } from '../../helpers/config-error.js';

const dir = mkdtempSync(join(tmpdir(), 'migflow-model-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('vLLM model config files', () => {
  it('maps a model key to its file name the way the launcher did', () => {
    expect(modelConfigFileName('qwen2.5-7b-instruct')).toBe('qwen2_5-7b-instruct.yaml');
    expect(modelConfigFileName('Qwen/Qwen2.5-Coder-3B-Instruct')).toBe('Qwen2_5-Coder-3B-Instruct.yaml');
  });

  it('reads the keys migflow relies on and passes every other vLLM option through unchanged', () => {
    const file = write(
      'm1.yaml',
      'model: Org/M-1B\nmax_num_batched_tokens: 2048\nenable_prefix_caching: true\nkv_cache_dtype: fp8\n',
    );
    const cfg = loadModelConfig(file);
    expect(cfg.fileStem).toBe('m1');
    expect(cfg.servedModelId).toBe('Org/M-1B');
    expect(cfg.maxNumBatchedTokens).toBe(2048);
    expect(cfg.maxModelLen).toBeUndefined();
    expect(cfg.options).toEqual({
      model: 'Org/M-1B',
      max_num_batched_tokens: 2048,
      enable_prefix_caching: true,
      kv_cache_dtype: 'fp8',
    });
  });

  it('serves under served_model_name when one is set', () => {
    const file = write(
      'm2.yaml',
      'model: Org/M\nmax_num_batched_tokens: 512\nserved_model_name: [m, alias]\n',
    );
    expect(loadModelConfig(file).servedModelId).toBe('m');
  });

  it('requires max_num_batched_tokens, which the simulator models batching with', () => {
    const file = write('m3.yaml', 'model: Org/M\ngpu_memory_utilization: 0.9\n');
    const e = configError(() => loadModelConfig(file));
    expect(e.file).toBe(file);
    expect(e.field).toMatch(/^max_num_batched_tokens/);
    expect(e.problem).toContain('found nothing');
    expect(e.fix).toBe('set max_num_batched_tokens to a number');
  });

  it('reports a wrong type and an out-of-range memory fraction with their lines', () => {
    const wrong = write('m4.yaml', 'model: Org/M\nmax_num_batched_tokens: lots\n');
    const e = configError(() => loadModelConfig(wrong));
    expect(e.field).toBe('max_num_batched_tokens (line 2)');
    expect(e.problem).toContain('found "lots"');
    const frac = write('m5.yaml', 'model: Org/M\nmax_num_batched_tokens: 8\ngpu_memory_utilization: 90\n');
    expect(configError(() => loadModelConfig(frac)).field).toBe('gpu_memory_utilization (line 3)');
  });

  it('rejects the dashed spelling of a key migflow reads, since the value would be invisible to it', () => {
    const file = write('m6.yaml', 'model: Org/M\nmax_num_batched_tokens: 8\nmax-model-len: 4096\n');
    const e = configError(() => loadModelConfig(file));
    expect(e.field).toBe('max-model-len (line 3)');
    expect(e.fix).toBe('rename max-model-len to max_model_len');
  });

  it('names the missing file for a model key and lists the configs that exist', () => {
    const e = configError(() => loadModelConfigForKey(dir, 'qwen9-huge'));
    expect(e.file).toBe(join(dir, 'qwen9-huge.yaml'));
    expect(e.fix).toContain('m1');
  });
});
