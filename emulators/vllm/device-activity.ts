/**
 * The emulated engine's load, as the emulated GPU sees it: every WRITE_MS the engine writes the fraction of the
 * last second in which it had a request scheduled (prefilling or decoding — the simulator's utilisation, core/sim/
 * energy.ts) to `<dir>/<device>.json`, where the device is NVIDIA_VISIBLE_DEVICES (the MIG slice it runs on). The
 * nvidia-smi emulator (emulators/nvidia-smi/power.ts) turns it into power.draw. The engine reports no power itself:
 * real vLLM does not either.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const SAMPLE_MS = 20;
const WRITE_MS = 250;
/** The fraction reported covers the last second (4 writes), as a board's power.draw is a one-second average. */
const WINDOW_WRITES = 4;

export interface DeviceActivityReporter {
  stop(): void;
}

/** Same rule as emulators/nvidia-smi/power.ts's activityFile (the emulators share no code: separate processes). */
function fileFor(dir: string, device: string): string {
  return join(dir, `${device.replace(/[^A-Za-z0-9._-]/g, '_')}.json`);
}

export function reportDeviceActivity(
  dir: string,
  device: string,
  engine: { readonly numRunning: number },
): DeviceActivityReporter {
  mkdirSync(dir, { recursive: true });
  const file = fileFor(dir, device);
  const tmp = `${file}.${process.pid}.tmp`;
  let samples = 0;
  let busy = 0;
  const recent: [number, number][] = [];
  const sample = setInterval(() => {
    samples++;
    if (engine.numRunning > 0) busy++;
  }, SAMPLE_MS);
  const write = setInterval(() => {
    recent.push([samples, busy]);
    if (recent.length > WINDOW_WRITES) recent.shift();
    samples = 0;
    busy = 0;
    const n = recent.reduce((s, r) => s + r[0], 0);
    const fraction = n > 0 ? recent.reduce((s, r) => s + r[1], 0) / n : 0;
    try {
      writeFileSync(tmp, JSON.stringify({ device, busy: fraction, atMs: Date.now() }));
      renameSync(tmp, file);
    } catch {}
  }, WRITE_MS);
  sample.unref();
  write.unref();
  return {
    stop() {
      clearInterval(sample);
      clearInterval(write);
      rmSync(file, { force: true });
    },
  };
}
