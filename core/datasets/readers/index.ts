/**
 * Dataset readers: pick JSONL, JSON or Parquet from the file's extension (or an explicit format) and yield raw
 * rows with their file and 1-based line/row number. A file that is not what it claims becomes a DatasetError
 * naming the file, the line and the fix; single bad rows are yielded for the caller to report.
 */
import { stat } from 'node:fs/promises';
import { DatasetError } from '../../errors.js';
import type { DatasetFormat } from '../types.js';
import { readJson } from './json-reader.js';
import { readJsonl } from './jsonl-reader.js';
import { readParquet } from './parquet-reader.js';
import type { ReadRow } from './read-row.js';

export type { ReadRow } from './read-row.js';
export { MAX_BAD_ROW_SHARE } from './read-row.js';

const EXTENSIONS: Record<string, DatasetFormat> = {
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.json': 'json',
  '.parquet': 'parquet',
  '.pq': 'parquet',
};

/** The format named by the file's extension, or undefined when the extension says nothing. */
export function formatFromExtension(file: string): DatasetFormat | undefined {
  const lower = file.toLowerCase();
  for (const [ext, format] of Object.entries(EXTENSIONS)) if (lower.endsWith(ext)) return format;
  return undefined;
}

/** Streams the raw rows of one file. `format` overrides the extension. */
export async function* readDatasetRows(file: string, format?: DatasetFormat): AsyncGenerator<ReadRow> {
  const chosen = format ?? formatFromExtension(file);
  if (chosen === undefined) {
    throw new DatasetError(
      file,
      undefined,
      'cannot tell the format from the file extension',
      'rename it to .jsonl, .json or .parquet, or pass --format jsonl|json|parquet',
    );
  }
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new Error('not a regular file');
  } catch (err) {
    throw new DatasetError(
      file,
      undefined,
      `cannot read the input (${(err as Error).message})`,
      'check the --input path; real datasets go under datasets/raw/',
      { cause: err },
    );
  }
  if (chosen === 'jsonl') yield* readJsonl(file);
  else if (chosen === 'json') yield* readJson(file);
  else yield* readParquet(file);
}
