/**
 * nvidia-smi through execa with argv arrays only (never a shell), and parsers for the outputs migflow reads:
 * `mig -lgi` (GPU instances with their start slice), `-L` (MIG device UUIDs), `-q -x` (GPUs, MIG mode, device index →
 * GPU instance id). Primitives follow the reference's order: destroy compute instance, then GPU instance, retrying
 * "In use by another client"; create a GPU instance at an explicit placement and verify it appeared.
 */
import { execa } from 'execa';
import { XMLParser } from 'fast-xml-parser';
import { CommandError } from '../errors.js';

export interface SmiResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface GpuInstanceRow {
  gpu: number;
  giId: number;
  profile: string;
  start: number;
}

export interface DetectedGpu {
  index: number;
  name: string;
  uuid: string;
  migEnabled: boolean;
  /** MIG device index → GPU instance id. */
  devices: Map<number, number>;
}

/** Exit codes the reference interprets (NVML return codes). */
export const SMI_EXIT = { notFound: 6, inUse: 19 } as const;

export interface NvidiaSmiOptions {
  /** The binary (default `nvidia-smi`; the emulator for rehearsals). */
  binary?: string;
  /** Prefix with `sudo -n` (non-interactive) for the MIG config capability. */
  sudo?: boolean;
  env?: Record<string, string>;
  /** Injected sleep (tests use a fake clock). */
  sleep?: (ms: number) => Promise<void>;
  log?: (line: string) => void;
}

export class NvidiaSmi {
  readonly calls: string[][] = [];
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly log: (line: string) => void;

  constructor(private readonly opts: NvidiaSmiOptions = {}) {
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.log = opts.log ?? (() => {});
  }

  /** Runs nvidia-smi with `args`; never throws for a non-zero exit (callers interpret codes). */
  async raw(args: string[]): Promise<SmiResult> {
    const binary = this.opts.binary ?? 'nvidia-smi';
    const [file, argv] = this.opts.sudo ? ['sudo', ['-n', binary, ...args]] : [binary, args];
    this.calls.push(args);
    const r = await execa(file, argv, { reject: false, env: this.opts.env, timeout: 120_000 });
    if (r.stderr) this.log(`nvidia-smi ${args.join(' ')}: ${r.stderr.trim()}`);
    return { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode ?? 255 };
  }

  /** Like `raw`, but a non-zero exit becomes a CommandError with the argv and stderr. */
  async run(args: string[]): Promise<SmiResult> {
    const r = await this.raw(args);
    if (r.exitCode !== 0) throw new CommandError(['nvidia-smi', ...args], r.exitCode, r.stderr || r.stdout);
    return r;
  }

  async listGpuInstances(gpu: number): Promise<GpuInstanceRow[]> {
    const r = await this.raw(['mig', '-lgi', '-i', String(gpu)]);
    if (r.exitCode === SMI_EXIT.notFound) return [];
    if (r.exitCode !== 0)
      throw new CommandError(['nvidia-smi', 'mig', '-lgi', '-i', String(gpu)], r.exitCode, r.stderr);
    return parseGpuInstances(r.stdout, gpu);
  }

  async detect(): Promise<DetectedGpu[]> {
    return parseQueryXml((await this.run(['-q', '-x'])).stdout);
  }

  /** Creates a GPU instance (with its default compute instance) at `start`; returns its GI id. */
  async createGpuInstance(gpu: number, profile: string, start: number): Promise<number> {
    await this.run(['mig', '-cgi', `${profile}:${start}`, '-C', '-i', String(gpu)]);
    const created = (await this.listGpuInstances(gpu)).find((gi) => gi.start === start);
    if (!created) {
      throw new CommandError(
        ['nvidia-smi', 'mig', '-lgi', '-i', String(gpu)],
        0,
        '',
        `failed to find the newly created GPU instance at slice ${start}`,
      );
    }
    return created.giId;
  }

  /**
   * Destroys compute instance 0 then the GPU instance, retrying the GI destroy up to `attempts` times while the
   * driver says "In use by another client" (with diagnostics logged between attempts).
   */
  async destroyGpuInstance(gpu: number, giId: number, attempts = 3): Promise<void> {
    const dci = await this.raw(['mig', '-dci', '-ci', '0', '-gi', String(giId), '-i', String(gpu)]);
    if (dci.exitCode === 0) await this.sleep(3_000);
    else if (/not found/i.test(dci.stderr)) this.log(`GPU ${gpu} GI ${giId}: compute instance already gone`);
    else
      this.log(
        `GPU ${gpu} GI ${giId}: destroying its compute instance failed (exit ${dci.exitCode}); trying the GI anyway`,
      );
    const argv = ['mig', '-dgi', '-gi', String(giId), '-i', String(gpu)];
    for (let attempt = 1; ; attempt++) {
      const r = await this.raw(argv);
      if (r.exitCode === 0) return;
      const inUse = r.exitCode === SMI_EXIT.inUse || /In use by another client/.test(r.stderr);
      if (!inUse || attempt >= attempts)
        throw new CommandError(['nvidia-smi', ...argv], r.exitCode, r.stderr);
      const diag = await Promise.all([
        this.raw([]),
        this.raw(['mig', '-lgi', '-i', String(gpu)]),
        this.raw(['--query-compute-apps=pid,process_name,gpu_uuid', '--format=csv,noheader']),
      ]);
      this.log(
        `GPU ${gpu} GI ${giId} in use (attempt ${attempt}/${attempts}); diagnostics:\n${diag.map((d) => d.stdout).join('\n')}`,
      );
      await this.sleep(5_000);
    }
  }

  /** Start slice → MIG UUID for one GPU, joining `-L`, `-q -x` and `mig -lgi`. */
  async resolveUuids(gpu: number): Promise<Map<number, string>> {
    const list = parseMigList((await this.run(['-L'])).stdout).get(gpu) ?? new Map<number, string>();
    const detected = (await this.detect()).find((g) => g.index === gpu);
    const gis = await this.listGpuInstances(gpu);
    const startByGi = new Map(gis.map((g) => [g.giId, g.start]));
    const out = new Map<number, string>();
    for (const [device, uuid] of list) {
      const gi = detected?.devices.get(device);
      const start = gi === undefined ? undefined : startByGi.get(gi);
      if (start !== undefined) out.set(start, uuid);
    }
    return new Map([...out].sort((a, b) => a[0] - b[0]));
  }
}

const LGI_ROW = /^\|\s*(\d+)\s+MIG\s+([^\s|]+)\s+(\d+)\s+(\d+)\s+.*?(\d+):(\d+)\s*\|$/;

/** Rows of `nvidia-smi mig -lgi`; borders and headers are ignored; `gpu` is the `-i` argument. */
export function parseGpuInstances(stdout: string, gpu: number): GpuInstanceRow[] {
  const rows: GpuInstanceRow[] = [];
  for (const line of stdout.split('\n')) {
    const m = LGI_ROW.exec(line.trim());
    if (m) rows.push({ gpu, profile: m[2]!, giId: Number(m[4]), start: Number(m[5]) });
  }
  return rows;
}

/** `nvidia-smi -L`: GPU index → (MIG device index → UUID). */
export function parseMigList(stdout: string): Map<number, Map<number, string>> {
  const out = new Map<number, Map<number, string>>();
  let current: Map<number, string> | undefined;
  for (const raw of stdout.split('\n')) {
    const line = raw.trim();
    const gpu = /^GPU (\d+):/.exec(line);
    if (gpu) {
      current = new Map();
      out.set(Number(gpu[1]), current);
      continue;
    }
    const dev = /MIG.*Device\s+(\d+):\s*\(UUID:\s*(MIG-[^)\s]+)\)/.exec(line);
    if (dev && current) current.set(Number(dev[1]), dev[2]!);
  }
  return out;
}

/** `nvidia-smi -q -x`: every GPU with its index (minor number), name, UUID, MIG mode and MIG devices. */
export function parseQueryXml(xml: string): DetectedGpu[] {
  const doc = new XMLParser({
    ignoreAttributes: true,
    parseTagValue: false,
    isArray: (name) => name === 'gpu' || name === 'mig_device',
  }).parse(xml) as {
    nvidia_smi_log?: { gpu?: Record<string, unknown>[] };
  };
  const gpus: DetectedGpu[] = [];
  for (const g of doc.nvidia_smi_log?.gpu ?? []) {
    const index = Number(String(g.minor_number ?? '').trim());
    if (!Number.isInteger(index) || String(g.minor_number ?? '').trim() === '') continue;
    const mode = g.mig_mode as { current_mig?: string } | undefined;
    const devices = new Map<number, number>();
    const md = g.mig_devices as { mig_device?: Record<string, unknown>[] } | string | undefined;
    if (md && typeof md === 'object') {
      for (const d of md.mig_device ?? []) devices.set(Number(d.index), Number(d.gpu_instance_id));
    }
    gpus.push({
      index,
      name: String(g.product_name ?? '').trim(),
      uuid: String(g.uuid ?? '').trim(),
      migEnabled: String(mode?.current_mig ?? '').includes('Enabled'),
      devices,
    });
  }
  return gpus.sort((a, b) => a.index - b.index);
}
