/**
 * Where profileEngine reads the board's power (nvidia-smi power.draw; no NVML binding installs offline): the
 * profiled GPU's board on real hardware, or, with emulated hardware, the nvidia-smi emulator's GPU with the profiled
 * slice on it (its power follows the load the emulated engine reports). Undefined when there is nothing to measure.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { readPowerDrawWithReason } from '../core/profiling/index.js';
import type { ProfilingContext } from '../core/stages/profiling/index.js';
import { emulatedProfilingSlice, NVIDIA_SMI_EMULATOR_BIN } from '../emulators/nvidia-smi/rehearsal.js';

export function profilingPowerSource(args: {
  emulated: boolean;
  workDir: string;
  gpu: number;
  gpuModel: string;
  profile: string;
}): ProfilingContext['power'] {
  if (!args.emulated) {
    return {
      read: () =>
        readPowerDrawWithReason(args.gpu, { binary: process.env.MIGFLOW_NVIDIA_SMI ?? 'nvidia-smi' }),
    };
  }
  mkdirSync(args.workDir, { recursive: true });
  const slice = emulatedProfilingSlice(join(args.workDir, 'nvidia-smi.json'), args.gpuModel, args.profile);
  if (!slice) return undefined;
  const env = { ...process.env, ...slice.env } as Record<string, string>;
  return {
    deviceUuid: slice.uuid,
    activityDir: slice.activityDir,
    read: () => readPowerDrawWithReason(0, { binary: NVIDIA_SMI_EMULATOR_BIN, env }),
  };
}
