/** Wires every command group into the program. One line per group; the groups live beside this file. */
import type { Command } from 'commander';

export function registerCommands(program: Command): void {
  const sim = program.command('sim').description('run the MIG simulator without Temporal');
  void sim;
}
