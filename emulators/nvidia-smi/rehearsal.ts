/**
 * Emulated hardware for rehearsing profiling: a machine of one GPU of the profiled model with the profiled MIG
 * instance created on it, as an operator would before profiling a slice. The engine runs on that instance's UUID and
 * reports its load into the activity folder, so `nvidia-smi --query-gpu=power.draw` (this emulator) reads the power
 * the profiling load draws.
 */
import { fileURLToPath } from 'node:url';
import { runNvidiaSmi } from './nvidia-smi.js';
import { activityDir } from './power.js';
import { GPU_MODELS } from './profiles.js';
import { newState, powerOverride, readState, writeState } from './state.js';

/** The emulator as an executable (what migflow runs through execa in place of `nvidia-smi`). */
export const NVIDIA_SMI_EMULATOR_BIN = fileURLToPath(new URL('./bin/nvidia-smi', import.meta.url));

export interface EmulatedSlice {
  /** The MIG instance's UUID (the engine's NVIDIA_VISIBLE_DEVICES). */
  uuid: string;
  /** Where the engine reports its load. */
  activityDir: string;
  /** The environment that points the emulator at this machine. */
  env: Record<string, string>;
}

/**
 * Writes the machine to `stateFile` and creates `profile` on GPU 0; undefined when the emulator does not know the
 * GPU model or the profile (nothing to measure then). `$MIGFLOW_EMULATED_GPU_POWER` sets the board's power truth.
 */
export function emulatedProfilingSlice(
  stateFile: string,
  gpuModel: string,
  profile: string,
  env: NodeJS.ProcessEnv = process.env,
): EmulatedSlice | undefined {
  if (!GPU_MODELS[gpuModel]) return undefined;
  writeState(stateFile, newState([gpuModel], powerOverride(env.MIGFLOW_EMULATED_GPU_POWER)));
  const smiEnv = { MIGFLOW_NVIDIA_SMI_STATE: stateFile };
  if (runNvidiaSmi(['mig', '-cgi', profile, '-C', '-i', '0'], smiEnv).code !== 0) return undefined;
  const uuid = readState(stateFile).gpus[0]!.instances[0]!.uuid;
  return { uuid, activityDir: activityDir(stateFile), env: smiEnv };
}
