#!/usr/bin/env node
/**
 * The `migflow` command. Each command group lives in cli/commands/<name>.ts and registers itself on the program.
 */
import { Command } from 'commander';
import { MigflowError } from '../core/errors.js';
import { MIGFLOW_VERSION } from '../core/paths.js';
import { registerCommands } from './commands/index.js';

const program = new Command('migflow')
  .description(
    'Durable Temporal pipeline: datasets → profiling → fit → PPO training → simulated bench → MIG deployment',
  )
  .version(`migflow ${MIGFLOW_VERSION} (node ${process.versions.node})`, '-V, --version', 'print the version')
  .showHelpAfterError();

registerCommands(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof MigflowError) {
    process.stderr.write(`migflow: ${err.message}\n`);
  } else {
    process.stderr.write(`migflow: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  }
  process.exitCode = 1;
});
