/**
 * The vLLM emulator as a Docker image, built locally with `docker import` (no registry): what profiling and
 * deployment start in place of `vllm/vllm-openai` on machines without GPUs. Reused while its content is unchanged.
 * Run it by the tag this returns (`migflow/vllm-emulator:c-<content hash>`); `…:local` names the latest import.
 */
import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import { buildNodeScriptImage } from './node-script-image.js';

export const VLLM_EMULATOR_IMAGE = 'migflow/vllm-emulator:local';
const ENTRY = fileURLToPath(new URL('./vllm/main.ts', import.meta.url));

export async function buildVllmEmulatorImage(
  docker: Docker,
  log?: (line: string) => void,
): Promise<{ tag: string; built: boolean; content: string }> {
  return buildNodeScriptImage({ entry: ENTRY, tag: VLLM_EMULATOR_IMAGE, docker, ...(log ? { log } : {}) });
}
