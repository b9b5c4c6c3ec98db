/**
 * `migflow profile …`: the profiling steps run directly against an OpenAI-compatible server (a plain vLLM or its
 * emulator, by URL), without Temporal. Each subcommand registers itself on the group below.
 */
import type { Command } from 'commander';
import { registerProfileFitCommands } from './profile-fit.js';
import { registerProfileRunCommands } from './profile-run.js';

export function registerProfileCommand(program: Command): void {
  const profile = program
    .command('profile')
    .description('profile an inference engine (sweeps, generate, fits) without Temporal');

  // --- sweeps and generate (load generator side) ---
  registerProfileRunCommands(profile);

  // --- fits (fit-prefill, fit-tpot) ---
  registerProfileFitCommands(profile);
}
