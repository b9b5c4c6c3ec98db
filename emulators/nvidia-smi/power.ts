/**
 * Emulated board power for `--query-gpu=power.draw`. A GPU draws what real boards do to first order: its idle
 * power, plus for every MIG instance its share of the dynamic range (compute slices / 7) times how busy the engine
 * on it is. How busy an engine is comes from the engines themselves, as on real hardware where the kernels they
 * launch are what draws power: the vLLM emulator (emulators/vllm/device-activity.ts) writes one small JSON file per
 * device it runs on into the activity folder beside the state file (`<state>.activity/`); a record older than
 * ACTIVITY_STALE_MS is an engine that is gone. vLLM itself reports no power; nvidia-smi does, so this is where it is.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { emulatedGpuActivityDir } from '../../contracts/index.js';
import { findProfile, GPU_MODELS } from './profiles.js';
import type { EmulatedGpu } from './state.js';

/** One engine's record: the device it runs on (NVIDIA_VISIBLE_DEVICES) and its busy fraction of late. */
export interface DeviceActivity {
  device: string;
  /** Fraction of the last window in which the engine had a request scheduled, 0..1. */
  busy: number;
  /** Wall clock (Date.now()) of the write. */
  atMs: number;
}

export const ACTIVITY_STALE_MS = 3_000;

/** The folder engines report their activity to: beside the state file, so one path names the whole machine. */
export function activityDir(stateFile: string): string {
  return emulatedGpuActivityDir(stateFile);
}

/** The file one device's engine writes (UUIDs are file-name safe; anything else is made so). */
export function activityFile(dir: string, device: string): string {
  return join(dir, `${device.replace(/[^A-Za-z0-9._-]/g, '_')}.json`);
}

/** Fresh records by device; unreadable or half-written files are skipped (the writer renames into place). */
export function readActivity(dir: string, nowMs: number = Date.now()): Map<string, number> {
  const out = new Map<string, number>();
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return out;
  }
  for (const name of names) {
    try {
      const r = JSON.parse(readFileSync(join(dir, name), 'utf8')) as DeviceActivity;
      if (typeof r.device !== 'string' || typeof r.busy !== 'number' || typeof r.atMs !== 'number') continue;
      if (nowMs - r.atMs > ACTIVITY_STALE_MS) continue;
      out.set(r.device, Math.min(1, Math.max(0, r.busy)));
    } catch {}
  }
  return out;
}

/** The GPU's power truth in W, or null where it has no power sensor. */
export function powerTruth(g: EmulatedGpu): { idleW: number; maxW: number } | null {
  if (g.power === null) return null;
  return g.power ?? GPU_MODELS[g.model]!.power;
}

/**
 * Board power of `g` in W: idle + Σ instances (max − idle)·compute/7·busy. An engine pinned to the whole GPU
 * (its GPU UUID) uses all 7 slices. null = `[N/A]`.
 */
export function boardPowerW(g: EmulatedGpu, busyByDevice: ReadonlyMap<string, number>): number | null {
  const truth = powerTruth(g);
  if (!truth) return null;
  const dynamic = truth.maxW - truth.idleW;
  let w = truth.idleW + dynamic * (busyByDevice.get(g.uuid) ?? 0);
  const model = GPU_MODELS[g.model]!;
  for (const gi of g.instances) {
    const busy = busyByDevice.get(gi.uuid) ?? 0;
    const compute = findProfile(model, gi.profile)?.compute ?? gi.size;
    w += (dynamic * compute * busy) / 7;
  }
  return Math.min(w, truth.maxW);
}

/** nvidia-smi prints power with two decimals (`71.25`), ` W` after it unless `nounits`. */
export function formatPower(w: number | null, units: boolean): string {
  if (w === null) return '[N/A]';
  return units ? `${w.toFixed(2)} W` : w.toFixed(2);
}
