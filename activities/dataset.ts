/** `prepareDataset`: validate, look up the cache, run the datasets stage in a temp dir, heartbeat, return a summary. */
import { basename } from 'node:path';
import { DatasetStageInput, type DatasetStageResult } from '../contracts/index.js';
import { resolveFrom } from '../core/cache/index.js';
import { type DatasetsInput, datasetsStage } from '../core/stages/datasets/index.js';
import { entryFacts, parsedActivity } from './activity.js';
import type { ActivityDeps } from './deps.js';
import { requireInputFiles } from './input-files.js';

export function createDatasetActivities(deps: ActivityDeps) {
  return {
    async prepareDataset(raw: DatasetStageInput): Promise<DatasetStageResult> {
      return parsedActivity('prepareDataset', DatasetStageInput, raw, async (input, ctx, started) => {
        const dataset: DatasetsInput = {
          kind: input.kind,
          inputs: input.inputs.map((p) => resolveFrom(deps.projectRoot, p)),
          ...(input.format ? { format: input.format } : {}),
          ...(input.limit ? { limit: input.limit } : {}),
          ...(input.allowEmpty ? { allowEmpty: true } : {}),
        };
        requireInputFiles(
          'prepareDataset',
          Object.fromEntries(dataset.inputs.map((p, i) => [`inputs[${i}]`, p])),
        );
        const entry = await deps.cache.run(await datasetsStage.request(dataset), (outDir) =>
          datasetsStage.run(dataset, outDir, {
            signal: ctx.cancellationSignal,
            progress: (p) => ctx.heartbeat({ rowsRead: p.rowsRead, file: p.file }),
          }),
        );
        const s = entry.manifest.summary;
        return {
          kind: input.kind,
          ...entryFacts(entry),
          // The build ran in a temp dir; point at the published copy.
          outputFile: `${entry.dir}/${basename(s.outputFile)}`,
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
