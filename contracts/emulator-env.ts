/**
 * How the vLLM emulator is configured inside a container: every flag `--some-flag` of `migflow emulator vllm` can
 * come from `MIGFLOW_EMU_SOME_FLAG` (a real vLLM ignores them). The emulator reads the names from here and the
 * profiling stage writes them from here, so the protocol is spelled once.
 */

/** `prefill-alpha` → `MIGFLOW_EMU_PREFILL_ALPHA`. */
export const emulatorEnvName = (flag: string): string =>
  `MIGFLOW_EMU_${flag.toUpperCase().replaceAll('-', '_')}`;

interface Latency {
  readonly alpha: number;
  readonly beta: number;
  readonly sigma: number;
}

/** The emulated engine's truth, as profiling passes it (EmulatedEngineInput, resolved). */
export interface EmulatedTruth {
  readonly prefill: Latency;
  readonly decode: Latency;
  readonly kvCacheTokens: number;
  readonly kvPerTokenKb?: number;
  readonly bootMs: number;
  readonly seed: number;
  readonly naturalOutputMax?: number;
}

type Flags = Readonly<Record<string, string | number | undefined>>;

/** The emulator's latency model (TTFT and ITL lines with their noise) as its flags. */
export function latencyFlags(prefill: Latency, decode: Latency): Flags {
  return {
    'prefill-alpha': prefill.alpha,
    'prefill-beta': prefill.beta,
    'prefill-sigma': prefill.sigma,
    'decode-alpha': decode.alpha,
    'decode-beta': decode.beta,
    'decode-sigma': decode.sigma,
  };
}

/** `{ 'prefill-alpha': 0.25 }` → `['--prefill-alpha', '0.25']`: flags on the emulator's command line (unset ones left out). */
export function emulatorArgs(flags: Flags): string[] {
  return Object.entries(flags).flatMap(([flag, v]) => (v === undefined ? [] : [`--${flag}`, String(v)]));
}

/** The container environment that makes the emulator behave as `t` says. */
export function emulatorEnv(t: EmulatedTruth): Record<string, string> {
  const flags: Flags = {
    ...latencyFlags(t.prefill, t.decode),
    'kv-cache-tokens': t.kvCacheTokens,
    'kv-per-token-kb': t.kvPerTokenKb,
    'boot-ms': t.bootMs,
    seed: t.seed,
    'natural-output-max': t.naturalOutputMax,
  };
  return Object.fromEntries(
    Object.entries(flags).flatMap(([flag, v]) =>
      v === undefined ? [] : [[emulatorEnvName(flag), String(v)]],
    ),
  );
}

/**
 * The emulated GPU's activity folder: the nvidia-smi emulator reads the load engines report there (beside its state
 * file) to answer power.draw; an emulated engine container sees it at EMULATED_GPU_ACTIVITY_MOUNT.
 */
export const emulatedGpuActivityDir = (nvidiaSmiStateFile: string): string =>
  `${nvidiaSmiStateFile}.activity`;
export const EMULATED_GPU_ACTIVITY_MOUNT = '/run/migflow-gpu-activity';
/** The container environment that makes the vLLM emulator report its load to the mounted activity folder. */
export function emulatedGpuActivityEnv(): Record<string, string> {
  return { [emulatorEnvName('device-activity-dir')]: EMULATED_GPU_ACTIVITY_MOUNT };
}
