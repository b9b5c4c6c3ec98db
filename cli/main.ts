#!/usr/bin/env node
/**
 * The `migflow` command. Each command group lives in cli/commands/<name>.ts and registers itself on the program.
 * A failure prints one line (`migflow: <file>: <field>: <problem> — fix: …`) and exits non-zero; the stack of an
 * unexpected error only with MIGFLOW_DEBUG=1.
 */
import { Command } from 'commander';
import { MIGFLOW_VERSION } from '../core/paths.js';
import { registerCommands } from './commands/index.js';
import { failureLine } from './lib/failure-line.js';

const program = new Command('migflow')
  .description(
    'Durable Temporal pipeline: datasets → profiling → fit → PPO training → simulated bench → MIG deployment',
  )
  .version(`migflow ${MIGFLOW_VERSION} (node ${process.versions.node})`, '-V, --version', 'print the version')
  .showHelpAfterError('(add --help for usage)');

registerCommands(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`${failureLine(err, process.env['MIGFLOW_DEBUG'] === '1')}\n`);
  process.exitCode = 1;
  // A failed command must not hang on a handle it left open (a client connection, a timer): exit soon regardless.
  setTimeout(() => process.exit(1), 2_000).unref();
});
