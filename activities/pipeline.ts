/** Pipeline-level activities: the working copy of simulation_config.yaml that the fit stage writes into. */
import { resolveFrom } from '../core/cache/index.js';
import { workingSimulationConfig } from '../core/config/index.js';
import type { ActivityDeps } from './deps.js';
import { withFailures } from './failures.js';
import { requireInputFiles } from './input-files.js';

export function createPipelineActivities(deps: ActivityDeps) {
  return {
    async checkInputFiles(args: { what: string; files: Record<string, string> }): Promise<void> {
      return withFailures(async () =>
        requireInputFiles(
          args.what,
          Object.fromEntries(
            Object.entries(args.files).map(([field, p]) => [field, resolveFrom(deps.projectRoot, p)]),
          ),
        ),
      );
    },
    async prepareWorkingConfig(args: { source: string }): Promise<{ path: string; created: boolean }> {
      return withFailures(async () =>
        workingSimulationConfig(resolveFrom(deps.projectRoot, args.source), deps.cache.root),
      );
    },
  };
}
