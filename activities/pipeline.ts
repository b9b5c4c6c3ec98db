/** Pipeline-level activities: the working copy of simulation_config.yaml that the fit stage writes into. */
import { resolveFrom } from '../core/cache/index.js';
import { workingSimulationConfig } from '../core/config/index.js';
import type { ActivityDeps } from './deps.js';
import { withFailures } from './failures.js';

export function createPipelineActivities(deps: ActivityDeps) {
  return {
    async prepareWorkingConfig(args: { source: string }): Promise<{ path: string; created: boolean }> {
      return withFailures(async () => {
        const copy = workingSimulationConfig(resolveFrom(deps.projectRoot, args.source), deps.cache.root);
        // Other hosts read the working copy through the store (a no-op with the local folder).
        await deps.cache.share(copy.path);
        return copy;
      });
    },
  };
}
