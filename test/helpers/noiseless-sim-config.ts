/**
 * The fitted simulation config with every latency fit's noise σ set to 0, for simulator-versus-engine checks: the
 * fitted prefill σ (42 ms) is as large as its α, and the simulator and the engine draw it independently, so over a
 * few dozen requests their percentiles differ by 10–30 % from sampling alone (test/slow/validate.test.ts).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../core/paths.js';

/** Writes configs/simulation_config.yaml with σ = 0 everywhere (and, when given, `edit` applied) to `file`. */
export function writeNoiselessSimConfig(file: string, edit: (yaml: string) => string = (y) => y): string {
  const yaml = readFileSync(join(PROJECT_ROOT, 'configs', 'simulation_config.yaml'), 'utf8');
  const noiseless = yaml.replace(/^(\s+sigma:) [0-9.e+-]+$/gm, '$1 0');
  const fits = yaml.match(/^\s+sigma:/gm)?.length ?? 0;
  if (fits === 0 || noiseless.match(/^\s+sigma: 0$/gm)?.length !== fits)
    throw new Error(`simulation_config.yaml: expected ${fits} σ lines written as plain numbers`);
  writeFileSync(file, edit(noiseless));
  return file;
}
