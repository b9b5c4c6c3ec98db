/**
 * Pipeline-level activities: the working copy of simulation_config.yaml that the fit stage writes into, and the run
 * report (one HTML page and its JSON under artifacts/pipeline/<run>/) written when the run ends.
 */
import { join } from 'node:path';
import type { RunReportArgs, RunReportFiles } from '../contracts/index.js';
import { resolveFrom } from '../core/cache/index.js';
import { workingSimulationConfig } from '../core/config/index.js';
import {
  pipelineRunReport,
  reportFolderName,
  tensorboardByLabel,
  writeRunReport,
} from '../core/report/index.js';
import type { ActivityDeps } from './deps.js';
import { withFailures } from './failures.js';
import { requireInputFiles } from './input-files.js';

/** The Web UI the report links to: $MIGFLOW_WEB_UI, else the dev server's default. */
export function webUiUrl(env: NodeJS.ProcessEnv = process.env): string {
  return (env.MIGFLOW_WEB_UI ?? 'http://127.0.0.1:8233').replace(/\/+$/, '');
}

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
      return withFailures(async () => {
        const copy = workingSimulationConfig(resolveFrom(deps.projectRoot, args.source), deps.cache.root);
        // Another orchestration host may have made it (and written fits into it) already: take the store's newest.
        await deps.cache.pullShared(copy.path);
        // Other hosts read the working copy through the store (a no-op with the local folder).
        await deps.cache.share(copy.path);
        return copy;
      });
    },

    async writeRunReport(args: RunReportArgs): Promise<RunReportFiles> {
      return withFailures(async () => {
        const report = pipelineRunReport(args.result, {
          workflowId: args.workflowId,
          webUi: { url: webUiUrl(), namespace: args.namespace },
        });
        const dir = join(deps.cache.root, 'pipeline', reportFolderName(args.result.runId));
        const tensorboard = tensorboardByLabel(join(dir, 'tensorboard'), report.trials ?? []);
        const files = writeRunReport(dir, { ...report, ...(tensorboard ? { tensorboard } : {}) });
        return { ...files, ...(tensorboard ? { tensorboard } : {}) };
      });
    },
  };
}
