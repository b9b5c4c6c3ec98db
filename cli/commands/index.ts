/** Wires every command group into the program. One line per group; the groups live beside this file. */
import type { Command } from 'commander';
import { registerBenchCommand } from './bench.js';
import { registerCacheCommand } from './cache.js';
import { registerConfigCommand } from './config.js';
import { registerDatasetCommand } from './dataset.js';
import { registerDemoCommand } from './demo.js';
import { registerDeployCommand } from './deploy.js';
import { registerEmulatorCommand } from './emulator.js';
import { registerProfileCommand } from './profile.js';
import { registerRunCommand } from './run.js';
import { registerSchemaCommand } from './schema.js';
import { registerServerCommand } from './server.js';
import { registerSimRunCommand } from './sim-run.js';
import { registerSimTraceCommand } from './sim-trace.js';
import { registerTrainCommand } from './train.js';
import { registerValidateCommand } from './validate.js';
import { registerWorkerCommand } from './worker.js';

export function registerCommands(program: Command): void {
  registerDemoCommand(program);
  registerServerCommand(program);
  registerWorkerCommand(program);
  registerRunCommand(program);
  registerCacheCommand(program);
  registerSchemaCommand(program);
  registerConfigCommand(program);
  registerDatasetCommand(program);
  registerBenchCommand(program);
  registerDeployCommand(program);
  registerProfileCommand(program);
  registerEmulatorCommand(program);
  registerTrainCommand(program);
  registerValidateCommand(program);
  const sim = program.command('sim').description('run the MIG simulator without Temporal');
  registerSimRunCommand(sim);
  registerSimTraceCommand(sim);
}
