/** kv_cache_GB from engine startup logs, in every form vLLM prints it (spec PC9). */
import { describe, expect, it } from 'vitest';
import { parseKvCacheLog } from '../../../core/profiling/kv-cache-log.js';

describe('KV-cache size from engine logs', () => {
  it('takes "Available KV cache memory: X GiB" as the value', () => {
    const log =
      'INFO 03-01 10:10:10 [gpu_worker.py:298] Available KV cache memory: 6.45 GiB\nINFO … GPU KV cache size: 35,225 tokens\n';
    expect(parseKvCacheLog(log)).toMatchObject({ kvCacheGb: 6.45, form: 'available-memory', tokens: 35225 });
  });

  it("converts 'GPU KV cache size: N tokens' with the model's KiB per token", () => {
    const r = parseKvCacheLog('INFO [kv_cache_utils.py:1087] GPU KV cache size: 35,225 tokens', {
      kvPerTokenKb: 192,
    });
    expect(r?.form).toBe('tokens');
    expect(r?.kvCacheGb).toBeCloseTo((35225 * 192) / 1048576, 12);
    expect(r?.kvCacheGb).toBeCloseTo(6.44989, 5);
  });

  it('reads the README form in GiB and the V0 "# GPU blocks" form', () => {
    expect(parseKvCacheLog('GPU KV cache size: 6.45 GiB')).toMatchObject({ kvCacheGb: 6.45, form: 'gib' });
    const v0 = parseKvCacheLog(
      'INFO 01-01 00:00:00 executor_base.py:110] # GPU blocks: 1234, # CPU blocks: 512',
      {
        kvPerTokenKb: 56,
      },
    );
    expect(v0).toMatchObject({ form: 'gpu-blocks', tokens: 1234 * 16 });
    expect(v0?.kvCacheGb).toBeCloseTo(1.054443359375, 12);
  });

  it('uses the latest boot when a log holds several, and says when nothing matches', () => {
    const log = 'Available KV cache memory: 1.00 GiB\n… restart …\nAvailable KV cache memory: 2.50 GiB\n';
    expect(parseKvCacheLog(log)?.kvCacheGb).toBe(2.5);
    expect(parseKvCacheLog('Application startup complete.')).toBeUndefined();
  });

  it('asks for kv_per_token_KB when the log states tokens only', () => {
    expect(() => parseKvCacheLog('GPU KV cache size: 100 tokens')).toThrow(
      /needs the model's kv_per_token_KB/,
    );
  });
});
