/**
 * `migflow emulator vllm …`: the vLLM emulator as a plain foreground process. Arguments are vLLM's
 * (`--model`, `--port`, `--host`, `--config file.yaml`, `--max-model-len`, …; unknown vLLM flags are ignored)
 * plus the emulated truth: `--prefill-alpha/-beta/-sigma`, `--decode-alpha/-beta/-sigma` (seconds),
 * `--kv-cache-tokens` or `--kv-cache-gib` with `--kv-per-token-kb`, `--boot-ms`, `--seed`, and the faults
 * `--fault exit-at-start|never-healthy`, `--drop-after-tokens N [--drop-every K]`. Each emulator flag can also
 * come from MIGFLOW_EMU_<FLAG> (e.g. MIGFLOW_EMU_PREFILL_ALPHA), which is how a container is configured.
 */
import type { Command } from 'commander';
import { runEmulatorProcess } from '../../emulators/vllm/main.js';

export function registerEmulatorCommand(program: Command): void {
  const emulator = program.command('emulator').description('run a hardware emulator as a plain process');
  emulator
    .command('vllm')
    .description(
      'OpenAI-compatible vLLM emulator with known latency parameters (vLLM argv + --prefill-alpha …)',
    )
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[args...]', 'vLLM-style arguments, passed through')
    .action(async (args: string[]) => {
      await runEmulatorProcess(args);
    });
}
