/** `prepareDataset`: validate, look up the cache, run core/datasets in a temp dir, heartbeat, return a small summary. */
import { Context } from '@temporalio/activity';
import { DatasetStageInput, type DatasetStageResult } from '../contracts/index.js';
import { resolveFrom } from '../core/cache/index.js';
import { parseConfig } from '../core/config/load.js';
import {
  DATASET_PREPROCESSOR_VERSION,
  prepareDataset as prepareDatasetCore,
} from '../core/datasets/index.js';
import type { ActivityDeps } from './deps.js';
import { withFailures } from './failures.js';

export function createDatasetActivities(deps: ActivityDeps) {
  return {
    async prepareDataset(raw: DatasetStageInput): Promise<DatasetStageResult> {
      return withFailures(async () => {
        const input = parseConfig('prepareDataset input', raw, DatasetStageInput);
        const ctx = Context.current();
        const started = Date.now();
        const files = input.inputs.map((p) => resolveFrom(deps.projectRoot, p));
        const entry = await deps.cache.run(
          {
            stage: 'datasets',
            codeVersion: DATASET_PREPROCESSOR_VERSION[input.kind],
            inputs: { kind: input.kind, format: input.format ?? null, limit: input.limit ?? null },
            inputFiles: files,
          },
          async (outDir) =>
            prepareDatasetCore({
              kind: input.kind,
              inputs: files,
              outDir,
              ...(input.format ? { format: input.format } : {}),
              ...(input.limit ? { limit: input.limit } : {}),
              signal: ctx.cancellationSignal,
              onProgress: (p) => ctx.heartbeat({ rowsRead: p.rowsRead, file: p.file }),
            }),
        );
        const s = entry.manifest.summary;
        const outputName = s.outputFile.split('/').pop() ?? s.outputFile;
        return {
          kind: input.kind,
          cacheKey: entry.key,
          hit: entry.hit,
          dir: entry.dir,
          // The build ran in a temp dir; point at the published copy.
          outputFile: `${entry.dir}/${outputName}`,
          rowsRead: s.rowsRead,
          rowsWritten: s.rowsWritten,
          malformedCount: s.malformed.count,
          malformedExamples: s.malformed.examples.slice(0, 3).map((e) => `${e.file}:${e.line}: ${e.reason}`),
          durationMs: Date.now() - started,
          buildMs: entry.manifest.durationMs,
        };
      });
    },
  };
}
