/** DatasetWorkflow's outcome as a table (`migflow run dataset` and the main job's report). */
import { relative } from 'node:path';
import type { DatasetWorkflowResult } from '../../contracts/index.js';
import { PROJECT_ROOT } from '../../core/paths.js';
import { formatTable } from './table.js';

export function datasetTable(result: DatasetWorkflowResult): string {
  const rows = result.datasets.map((d) => [
    d.kind,
    String(d.rowsRead),
    String(d.rowsWritten),
    String(d.malformedCount),
    d.hit ? 'hit' : 'ran',
    `${(d.durationMs / 1000).toFixed(2)} s`,
    relative(PROJECT_ROOT, d.outputFile),
  ]);
  return formatTable(
    ['dataset', 'rows in', 'rows out', 'malformed', 'cache', 'took', 'output'],
    rows,
    new Set([1, 2, 3, 5]),
  );
}
