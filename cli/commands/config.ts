/** `migflow config check [FILE…]`: validate config files and print what is wrong, where, and how to fix it. */
import { basename, dirname, join } from 'node:path';
import type { Command } from 'commander';
import {
  loadBenchConfig,
  loadDeploymentConfig,
  loadGpuConfig,
  loadGridSearchConfig,
  loadModelConfig,
  loadSimulationConfig,
  loadTaskConfig,
  loadTrainingConfig,
} from '../../core/config/index.js';
import { MigflowError } from '../../core/errors.js';
import { PROJECT_ROOT } from '../../core/paths.js';

/** Which loader validates a file, from its name or folder (configs/gpus/*, configs/models/*). */
export function loaderFor(file: string): ((f: string) => unknown) | undefined {
  const name = basename(file);
  const folder = basename(dirname(file));
  if (folder === 'gpus') return loadGpuConfig;
  if (folder === 'models') return loadModelConfig;
  if (folder === 'tasks') return loadTaskConfig;
  // A task's simulation overlay is checked against the shipped simulation config it is applied to.
  if (folder === 'overlays')
    return (f) =>
      loadSimulationConfig(join(PROJECT_ROOT, 'configs', 'simulation_config.yaml'), { overlay: f });
  if (name.startsWith('simulation_config')) return (f) => loadSimulationConfig(f);
  if (name.startsWith('training_config')) return loadTrainingConfig;
  if (name.startsWith('grid_search')) return loadGridSearchConfig;
  if (name.startsWith('bench_config')) return loadBenchConfig;
  if (name.startsWith('deployment')) return loadDeploymentConfig;
  return undefined;
}

const DEFAULT_FILES = [
  'simulation_config.yaml',
  'training_config.yaml',
  'grid_search.yaml',
  'bench_config.yaml',
  'deployment.yaml',
  'gpus/A100_40GB.yaml',
  'gpus/B200.yaml',
  'tasks/easy.yaml',
  'tasks/medium.yaml',
  'tasks/hard.yaml',
  'tasks/overlays/long-context-rag.yaml',
].map((f) => join(PROJECT_ROOT, 'configs', f));

export function registerConfigCommand(program: Command): void {
  const config = program.command('config').description("work with migflow's YAML configs");
  config
    .command('check')
    .description('validate config files (default: the shipped ones under configs/)')
    .argument('[files...]', 'config files; the schema is chosen by file name')
    .action((files: string[]) => {
      let bad = 0;
      for (const file of files.length ? files : DEFAULT_FILES) {
        const load = loaderFor(file);
        if (!load) {
          process.stdout.write(
            `? ${file}: not a known config name (simulation_config, training_config, grid_search, bench_config, deployment, gpus/*, models/*, tasks/*, tasks/overlays/*)\n`,
          );
          bad++;
          continue;
        }
        try {
          load(file);
          process.stdout.write(`ok ${file}\n`);
        } catch (err) {
          if (!(err instanceof MigflowError)) throw err;
          process.stdout.write(`✗ ${err.message}\n`);
          bad++;
        }
      }
      process.exitCode = bad ? 1 : 0;
    });
}
