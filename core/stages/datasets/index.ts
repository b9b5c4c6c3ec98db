/**
 * The datasets stage: raw dataset files (jsonl, json or parquet) of one kind → one ShareGPT JSONL with the
 * reference's preprocessing, plus a report of malformed rows; cached on the files' content and the
 * preprocessor's version. It runs in the caller's process (reading and writing files, no heavy CPU).
 */
import type { DatasetKind } from '../../../contracts/index.js';
import type { CachedStage, StageContext } from '../../cache/index.js';
import {
  DATASET_PREPROCESSOR_VERSION,
  type DatasetFormat,
  type PrepareDatasetResult,
  prepareDataset,
} from '../../datasets/index.js';

export interface DatasetsInput {
  readonly kind: DatasetKind;
  /** Raw files in order (absolute, or relative to the working directory). */
  readonly inputs: readonly string[];
  /** Overrides the format detected from each file's extension. */
  readonly format?: DatasetFormat;
  /** Stop after this many raw rows. */
  readonly limit?: number;
  /** Accept 0 output rows (part of the cache key only when set). */
  readonly allowEmpty?: boolean;
}

export interface DatasetsProgress {
  readonly rowsRead: number;
  readonly file: string;
}

export const datasetsStage: CachedStage<DatasetsInput, PrepareDatasetResult, DatasetsProgress> = {
  name: 'datasets',

  async request(d) {
    return {
      stage: 'datasets',
      codeVersion: DATASET_PREPROCESSOR_VERSION[d.kind],
      // allowEmpty enters the key only when set, so an accepted empty result never answers a run that did not
      // ask for one (and the keys of every other run stay as they were).
      inputs: {
        kind: d.kind,
        format: d.format ?? null,
        limit: d.limit ?? null,
        ...(d.allowEmpty ? { allowEmpty: true } : {}),
      },
      inputFiles: d.inputs,
    };
  },

  run(d, outDir, ctx: StageContext<DatasetsProgress>) {
    return prepareDataset({
      kind: d.kind,
      inputs: [...d.inputs],
      outDir,
      ...(d.format ? { format: d.format } : {}),
      ...(d.limit ? { limit: d.limit } : {}),
      ...(d.allowEmpty ? { allowEmpty: true } : {}),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      ...(ctx.progress ? { onProgress: ctx.progress } : {}),
    });
  },
};
