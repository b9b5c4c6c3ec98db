/**
 * The emulator's settings, read the way a vLLM container is configured so one container command works for both:
 * vLLM's argv shape (`[serve] [MODEL] --model … --port … --host … --config file.yaml --max-model-len …`, unknown
 * vLLM flags accepted and ignored), the `--config` YAML (vLLM's own keys), and the emulator's latency truth from
 * `--prefill-alpha …` flags or `MIGFLOW_EMU_PREFILL_ALPHA`-style environment variables (a real vLLM ignores
 * those variables, so a compose file can carry them). Precedence: flag > environment > config file > default.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { emulatorEnvName } from '../../contracts/index.js';
import type { EngineParams } from './engine.js';

export type StartFault = 'none' | 'exit-at-start' | 'never-healthy';

export interface EmulatorOptions {
  model: string;
  servedModelName: string;
  host: string;
  port: number;
  maxModelLen: number;
  engine: EngineParams;
  /** KiB of KV cache per token (for the "Available KV cache memory" line). */
  kvPerTokenKb: number;
  bootMs: number;
  seed: number;
  /** Output length for requests without ignore_eos: 1 + hash(prompt) mod this (then capped by max_tokens). */
  naturalOutputMax: number;
  startFault: StartFault;
  /** Drop (destroy the connection of) every `dropEvery`-th request after it got this many tokens; 0 = never. */
  dropAfterTokens: number;
  dropEvery: number;
  /** Sub-millisecond deadlines (spends CPU while waiting); false = plain setTimeout. */
  preciseTimers: boolean;
  /** `parallel`: each prefill timed on its own (engine.ts); `iteration`: vLLM-style iterations (iteration-engine.ts). */
  scheduler: 'parallel' | 'iteration';
  /** vLLM's max_num_batched_tokens: the iteration scheduler's token budget. */
  maxBatchedTokens: number;
  /** Where the engine reports its load for the nvidia-smi emulator's power.draw (device-activity.ts); unset = nowhere. */
  deviceActivityDir: string | undefined;
}

export class EmulatorArgError extends Error {}

/** Emulator-only settings: flag name → environment variable. */
const EMU_KEYS = [
  'prefill-alpha',
  'prefill-beta',
  'prefill-sigma',
  'decode-alpha',
  'decode-beta',
  'decode-sigma',
  'kv-cache-tokens',
  'kv-cache-gib',
  'kv-per-token-kb',
  'boot-ms',
  'seed',
  'natural-output-max',
  'fault',
  'drop-after-tokens',
  'drop-every',
  'precise-timers',
  'scheduler',
  'device-activity-dir',
] as const;

/** `--a b`, `--a=b` and bare `--flag` (followed by another flag or nothing); positionals kept in order. */
export function parseArgv(argv: readonly string[]): { flags: Map<string, string>; positionals: string[] } {
  const flags = new Map<string, string>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) flags.set(a.slice(2, eq), a.slice(eq + 1));
      else if (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) flags.set(a.slice(2), argv[++i]!);
      else flags.set(a.slice(2), 'true');
    } else positionals.push(a);
  }
  return { flags, positionals };
}

export function resolveOptions(
  argv: readonly string[],
  env: Record<string, string | undefined> = process.env,
): EmulatorOptions {
  const { flags, positionals } = parseArgv(argv);
  let file: Record<string, unknown> = {};
  const configPath = flags.get('config');
  if (configPath) {
    try {
      const doc = parseYaml(readFileSync(configPath, 'utf8')) as unknown;
      if (doc && typeof doc === 'object' && !Array.isArray(doc)) file = doc as Record<string, unknown>;
      else throw new Error('not a mapping');
    } catch (err) {
      throw new EmulatorArgError(
        `--config ${configPath}: cannot read it as a YAML mapping (${err instanceof Error ? err.message : err})`,
      );
    }
  }
  const raw = (flag: string): string | undefined => {
    const fromFlag = flags.get(flag);
    if (fromFlag !== undefined) return fromFlag;
    if ((EMU_KEYS as readonly string[]).includes(flag)) {
      const v = env[emulatorEnvName(flag)];
      if (v !== undefined && v !== '') return v;
    }
    const fromFile = file[flag.replaceAll('-', '_')] ?? file[flag];
    return fromFile === undefined || fromFile === null ? undefined : String(fromFile);
  };
  const num = (flag: string, dflt: number, check: (n: number) => boolean, what: string): number => {
    const v = raw(flag);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isFinite(n) || !check(n)) throw new EmulatorArgError(`--${flag} ${v}: expected ${what}`);
    return n;
  };
  const nonNeg = (n: number) => n >= 0;
  const posInt = (n: number) => Number.isInteger(n) && n > 0;
  const nonNegInt = (n: number) => Number.isInteger(n) && n >= 0;

  // `vllm serve MODEL` (or the image's entrypoint given just MODEL); --model wins.
  const pos = positionals[0] === 'serve' ? positionals.slice(1) : positionals;
  const model = raw('model') ?? pos[0] ?? 'Qwen/Qwen2.5-7B-Instruct';
  const served = file.served_model_name;
  const servedModelName =
    flags.get('served-model-name') ??
    (Array.isArray(served) ? String(served[0]) : typeof served === 'string' ? served : model);

  const kvPerTokenKb = num('kv-per-token-kb', 56, (n) => n > 0, 'a positive number of KiB');
  const gib = raw('kv-cache-gib');
  const kvCacheTokens =
    raw('kv-cache-tokens') !== undefined || gib === undefined
      ? num('kv-cache-tokens', 36_700, posInt, 'a positive whole number of tokens')
      : Math.floor(
          (num('kv-cache-gib', 1.96, (n) => n > 0, 'a positive number of GiB') * 1048576) / kvPerTokenKb,
        );

  const fault = raw('fault') ?? 'none';
  if (!['none', 'exit-at-start', 'never-healthy'].includes(fault)) {
    throw new EmulatorArgError(`--fault ${fault}: expected none, exit-at-start or never-healthy`);
  }
  const scheduler = raw('scheduler') ?? 'parallel';
  if (scheduler !== 'parallel' && scheduler !== 'iteration') {
    throw new EmulatorArgError(`--scheduler ${scheduler}: expected parallel or iteration`);
  }
  return {
    model,
    servedModelName,
    host: raw('host') ?? '127.0.0.1',
    port: num('port', 8000, (n) => Number.isInteger(n) && n > 0 && n < 65536, 'a TCP port'),
    maxModelLen: num('max-model-len', 32_768, posInt, 'a positive whole number of tokens'),
    engine: {
      prefill: {
        alpha: num('prefill-alpha', 0.028, nonNeg, 'seconds ≥ 0'),
        beta: num('prefill-beta', 0.00022, nonNeg, 'seconds per token ≥ 0'),
        sigma: num('prefill-sigma', 0.004, nonNeg, 'seconds ≥ 0'),
      },
      decode: {
        alpha: num('decode-alpha', 0.0205, nonNeg, 'seconds ≥ 0'),
        beta: num('decode-beta', 0.00124, nonNeg, 'seconds per running request ≥ 0'),
        sigma: num('decode-sigma', 0.00085, nonNeg, 'seconds ≥ 0'),
      },
      kvCacheTokens,
      maxNumSeqs: num('max-num-seqs', 256, posInt, 'a positive whole number'),
    },
    kvPerTokenKb,
    bootMs: num('boot-ms', 1_500, nonNeg, 'milliseconds ≥ 0'),
    seed: num('seed', 0, nonNegInt, 'a whole number ≥ 0'),
    naturalOutputMax: num('natural-output-max', 256, posInt, 'a positive whole number'),
    startFault: fault as StartFault,
    dropAfterTokens: num('drop-after-tokens', 0, nonNegInt, 'a whole number ≥ 0'),
    dropEvery: num('drop-every', 1, posInt, 'a positive whole number'),
    preciseTimers: (raw('precise-timers') ?? 'true') !== 'false',
    scheduler,
    maxBatchedTokens: num('max-num-batched-tokens', 2048, posInt, 'a positive whole number of tokens'),
    deviceActivityDir: raw('device-activity-dir') || undefined,
  };
}
