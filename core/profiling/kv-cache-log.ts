/**
 * kv_cache_GB from an engine's startup log, in every form vLLM has printed it (spec §6.2, PC9):
 * - V1 (v0.17): `Available KV cache memory: X GiB` — X is the value;
 * - V1: `GPU KV cache size: 35,225 tokens` — N · kv_per_token_KB / 1024²;
 * - the README's `GPU KV cache size: 6.45 GiB`;
 * - V0: `# GPU blocks: B` — B · block_size · kv_per_token_KB / 1024².
 * The first form wins when several are present (it is vLLM's own figure); the last occurrence of a form is used,
 * so a log holding several boots reports the latest one.
 */
import { MigflowError } from '../errors.js';

const KIB_PER_GIB = 1048576;

export interface KvCacheReading {
  kvCacheGb: number;
  form: 'available-memory' | 'tokens' | 'gib' | 'gpu-blocks';
  /** The token budget, when the log states it. */
  tokens?: number;
  line: string;
}

function lastMatch(text: string, re: RegExp): RegExpExecArray | undefined {
  let last: RegExpExecArray | undefined;
  for (const m of text.matchAll(new RegExp(re.source, 'g'))) last = m as RegExpExecArray;
  return last;
}

const num = (s: string) => Number(s.replaceAll(',', ''));

/** Parses the log; undefined when no known line is present. */
export function parseKvCacheLog(
  logText: string,
  opts: { kvPerTokenKb?: number; blockSize?: number } = {},
): KvCacheReading | undefined {
  const avail = lastMatch(logText, /Available KV cache memory:\s*([\d.]+)\s*GiB/);
  const tokens = lastMatch(logText, /GPU KV cache size:\s*([\d,]+)\s*tokens/);
  if (avail) {
    return {
      kvCacheGb: Number(avail[1]),
      form: 'available-memory',
      ...(tokens ? { tokens: num(tokens[1]!) } : {}),
      line: avail[0],
    };
  }
  const needKb = (form: string): number => {
    if (opts.kvPerTokenKb === undefined || !(opts.kvPerTokenKb > 0)) {
      throw new MigflowError(
        `the engine log gives the KV cache as ${form}; converting it to GiB needs the model's kv_per_token_KB — fix: pass kvPerTokenKb (spec §6.2)`,
      );
    }
    return opts.kvPerTokenKb;
  };
  if (tokens) {
    const n = num(tokens[1]!);
    return { kvCacheGb: (n * needKb('tokens')) / KIB_PER_GIB, form: 'tokens', tokens: n, line: tokens[0] };
  }
  const gib = lastMatch(logText, /GPU KV cache size:\s*([\d.]+)\s*GiB/);
  if (gib) return { kvCacheGb: Number(gib[1]), form: 'gib', line: gib[0] };
  const blocks = lastMatch(logText, /# GPU blocks:\s*([\d,]+)/);
  if (blocks) {
    const b = num(blocks[1]!);
    const blockSize = opts.blockSize ?? 16;
    return {
      kvCacheGb: (b * blockSize * needKb('GPU blocks')) / KIB_PER_GIB,
      form: 'gpu-blocks',
      tokens: b * blockSize,
      line: blocks[0],
    };
  }
  return undefined;
}
