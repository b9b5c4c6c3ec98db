/**
 * Measured GPU power (issue 17 item 3). Node has no NVML binding that installs offline, so power is read the way an
 * operator reads it: `nvidia-smi --query-gpu=power.draw --format=csv,noheader,nounits [-i GPU]`, run through execa
 * with an argv array. A board without a power sensor — or a MIG device asked for its own reading — prints `[N/A]`.
 * The sampler pairs every reading with how busy the engine is at that moment (its /metrics `num_requests_running`
 * > 0, the simulator's utilisation), and `fitPowerModel` fits P = idle + dynamic·u by least squares: idle is the
 * whole board's, dynamic what this slice adds at full utilisation — the power model's figures for (GPU, profile).
 */
import { execa } from 'execa';

export interface PowerSample {
  /** Wall clock (ms) of the reading. */
  atMs: number;
  /** Board power in W, or null where there was no value (`reason` says why). */
  watts: number | null;
  /** Utilisation 0..1 of the engine on the slice at that moment. */
  busy: number;
  /** Why `watts` is null: what nvidia-smi printed (`[N/A]`), how it failed (exit code and message, missing binary). */
  reason?: string;
}

export interface NvidiaSmiCommand {
  /** The binary (default `nvidia-smi`; the emulator for rehearsals). */
  binary?: string;
  env?: Record<string, string>;
}

/** One value per line of `power.draw` output; `[N/A]`, `[Not Supported]`, `N/A` → null; a trailing ` W` is read. */
export function parsePowerDraw(stdout: string): (number | null)[] {
  return stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .map((l) => {
      if (/^\[?(N\/A|Not Supported|Unknown Error)\]?$/i.test(l)) return null;
      const m = /^(-?\d+(?:\.\d+)?)(?:\s*W)?$/.exec(l);
      if (!m) throw new Error(`nvidia-smi power.draw: cannot read ${JSON.stringify(l)} as watts`);
      return Number(m[1]);
    });
}

/** The argv of one power reading: every GPU, or the one `-i` names (index or UUID). */
export function powerDrawArgv(gpu?: number | string): string[] {
  return [
    '--query-gpu=power.draw',
    '--format=csv,noheader,nounits',
    ...(gpu === undefined ? [] : ['-i', String(gpu)]),
  ];
}

/** One power.draw reading: watts, or why there is none (what nvidia-smi printed, or how it failed). */
export type PowerReading = { watts: number } | { watts: null; reason: string };

/**
 * Reads power.draw of `gpu` with the reason when there is no value: `[N/A]` / `[Not Supported]` as printed, or a
 * failing nvidia-smi (missing binary, exit ≠ 0 with its first line of output); text that is not watts throws.
 */
export async function readPowerDrawWithReason(
  gpu: number | string,
  cmd: NvidiaSmiCommand = {},
): Promise<PowerReading> {
  const binary = cmd.binary ?? 'nvidia-smi';
  const r = await execa(binary, powerDrawArgv(gpu), {
    reject: false,
    timeout: 10_000,
    ...(cmd.env ? { env: cmd.env } : {}),
  });
  const firstLine = (text: unknown) =>
    String(text ?? '')
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '');
  if (r.exitCode === undefined)
    return { watts: null, reason: `${binary} could not run: ${r.shortMessage ?? 'no exit code'}` };
  if (r.exitCode !== 0) {
    const said = firstLine(r.stderr) ?? firstLine(r.stdout);
    return { watts: null, reason: `${binary} exited ${r.exitCode}${said ? `: ${said}` : ''}` };
  }
  const line = firstLine(r.stdout);
  if (line === undefined) return { watts: null, reason: `${binary} printed no power.draw value` };
  // Text that is neither watts nor a known "no value" throws (parsePowerDraw names it): a format change is a bug.
  const watts = parsePowerDraw(line)[0];
  return watts === null || watts === undefined
    ? { watts: null, reason: `power.draw of GPU ${gpu} reads ${line}` }
    : { watts };
}

/** 1 while the engine at `baseUrl` has a request scheduled (its /metrics gauge), else 0; unreachable = 0. */
export async function engineBusy(baseUrl: string): Promise<number> {
  try {
    const res = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(2_000) });
    const m = /^vllm:num_requests_running\{[^}]*\}\s+([0-9.eE+-]+)\s*$/m.exec(await res.text());
    return m && Number(m[1]) > 0 ? 1 : 0;
  } catch {
    return 0;
  }
}

/**
 * How long a power.draw reading averages over: one second on the boards migflow targets (nvidia-smi's
 * `power.draw.average`, which plain `power.draw` reports on Ampere and later), and what the emulator reports.
 */
export const POWER_AVERAGE_MS = 1_000;

export interface UtilisationTracker {
  /** The fraction of polls in [fromMs, toMs] (wall clock) that found the engine busy; the last poll before if none. */
  busyFraction(fromMs: number, toMs: number): number;
  stop(): Promise<void>;
}

/**
 * Polls the engine's busy gauge every `pollMs` for as long as power is sampled, so that each reading can be paired
 * with the utilisation over the same second its power.draw averages. Pairing it with the instant of the call
 * instead (an emulated nvidia-smi answers in ~70 ms) put readings taken just after a level ended, power still
 * high, at utilisation 0, and lifted the fitted idle power by a quarter.
 */
export function trackUtilisation(baseUrl: string, pollMs = 200): UtilisationTracker {
  const polls: { atMs: number; busy: number }[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const atMs = Date.now();
      const busy = await engineBusy(baseUrl);
      polls.push({ atMs, busy });
      // Only the last few seconds are ever asked for.
      while (polls.length > 0 && polls[0]!.atMs < atMs - 10 * POWER_AVERAGE_MS) polls.shift();
      if (!stopped) await new Promise((r) => setTimeout(r, Math.max(0, pollMs - (Date.now() - atMs))));
    }
  })();
  return {
    busyFraction(fromMs, toMs) {
      const inWindow = polls.filter((p) => p.atMs >= fromMs && p.atMs <= toMs);
      if (inWindow.length > 0) return inWindow.reduce((sum, p) => sum + p.busy, 0) / inWindow.length;
      return polls.filter((p) => p.atMs <= toMs).at(-1)?.busy ?? 0;
    },
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

/** A sample's reading without its time: watts, or null with why. */
export type PowerProbe = Omit<PowerSample, 'atMs'>;

/** One power reading paired with the engine's utilisation over the second it averages; no value keeps its reason. */
export async function readWithUtilisation(
  read: () => Promise<PowerReading>,
  tracker: UtilisationTracker,
): Promise<PowerProbe> {
  const reading = await read();
  const endMs = Date.now();
  const busy = tracker.busyFraction(endMs - POWER_AVERAGE_MS, endMs);
  return reading.watts === null
    ? { watts: null, busy, reason: reading.reason }
    : { watts: reading.watts, busy };
}

export interface PowerSampler {
  /** Stops sampling (waits for a reading under way) and returns every sample taken. */
  stop(): Promise<PowerSample[]>;
  samples(): readonly PowerSample[];
}

/** Takes `probe()` every `intervalMs` until stopped; readings never overlap. */
export function samplePower(probe: () => Promise<PowerProbe>, intervalMs: number): PowerSampler {
  const taken: PowerSample[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const atMs = Date.now();
      try {
        taken.push({ atMs, ...(await probe()) });
      } catch (err) {
        // A reading that failed is a reading without a value, not a stall of the sampler's callers — with why.
        const message = err instanceof Error ? err.message : String(err);
        taken.push({ atMs, watts: null, busy: 0, reason: `the power reading failed: ${message}` });
      }
      if (stopped) break;
      await new Promise((r) => setTimeout(r, Math.max(0, intervalMs - (Date.now() - atMs))));
    }
  })();
  return {
    samples: () => taken,
    async stop() {
      stopped = true;
      await loop;
      return taken;
    },
  };
}

export type PowerFit =
  | {
      readonly status: 'measured';
      /** Whole-board power with the engine idle, W. */
      readonly idleW: number;
      /** What the slice adds at full utilisation, W. */
      readonly dynamicW: number;
      readonly samples: number;
      readonly busySamples: number;
    }
  | { readonly status: 'unavailable'; readonly reason: string; readonly samples: number };

/** The samples' reasons for having no value, each once, most frequent first, counted where they differ. */
export function whyNoValue(samples: readonly PowerSample[]): string {
  const counts = new Map<string, number>();
  for (const x of samples) {
    if (x.watts !== null) continue;
    const why = x.reason ?? 'no reason recorded';
    counts.set(why, (counts.get(why) ?? 0) + 1);
  }
  const reasons = [...counts].sort((a, b) => b[1] - a[1]);
  return reasons.length === 1
    ? reasons[0]![0]
    : reasons.map(([why, n]) => `${why} (${n} sample${n === 1 ? '' : 's'})`).join('; ');
}

/** Least squares of P = idle + dynamic·u over the samples with a reading; needs idle and busy moments. */
export function fitPowerModel(samples: readonly PowerSample[]): PowerFit {
  const read = samples.filter((s): s is PowerSample & { watts: number } => s.watts !== null);
  if (read.length === 0) {
    return {
      status: 'unavailable',
      reason:
        samples.length === 0
          ? 'no power.draw samples were taken'
          : `no power.draw value in ${samples.length === 1 ? 'the one sample' : `any of ${samples.length} samples`}: ${whyNoValue(samples)}`,
      samples: samples.length,
    };
  }
  const n = read.length;
  const mu = read.reduce((s, x) => s + x.busy, 0) / n;
  const mp = read.reduce((s, x) => s + x.watts, 0) / n;
  let suu = 0;
  let sup = 0;
  for (const x of read) {
    suu += (x.busy - mu) ** 2;
    sup += (x.busy - mu) * (x.watts - mp);
  }
  const busySamples = read.filter((x) => x.busy > 0).length;
  if (suu === 0 || busySamples === 0) {
    return {
      status: 'unavailable',
      reason: `power was read only while the engine was ${busySamples === 0 ? 'idle' : 'busy'} (${n} samples)`,
      samples: samples.length,
    };
  }
  const dynamicW = sup / suu;
  const idleW = mp - dynamicW * mu;
  if (!(idleW >= 0) || !(dynamicW > 0)) {
    return {
      status: 'unavailable',
      reason: `the fit idle ${idleW.toFixed(1)} W, dynamic ${dynamicW.toFixed(1)} W is not physical (${n} samples)`,
      samples: samples.length,
    };
  }
  return { status: 'measured', idleW, dynamicW, samples: samples.length, busySamples };
}
