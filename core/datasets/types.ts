/**
 * Shapes shared by the dataset readers, preprocessors and the stage entry point: the ShareGPT row every
 * preprocessor emits and the location a reader attaches to each raw row so malformed rows can be reported.
 */

/** One turn of a processed conversation; `role` is `human` or `gpt` in every dataset the reference ships. */
export interface ShareGptMessage {
  role: string;
  /** RAG answers that are null in the source stay null, as in the reference. */
  value: string | null;
}

/** A processed row: a conversation prefix ending with the reference answer, and its unique id. */
export interface ShareGptRow {
  messages: ShareGptMessage[];
  /** `"<source id>_round_<k>"` for coder and chat; the integer position for RAG. */
  id: string | number;
}

/** Where a raw row came from. `line` is 1-based: the line of a JSONL file, or the row index + 1 of JSON/Parquet. */
export interface RowLocation {
  file: string;
  line: number;
}

/** A malformed row as reported to users: which file, which line/row, and why it was not used. */
export interface MalformedRow {
  file: string;
  line: number;
  reason: string;
}

export const DatasetFormat = { jsonl: 'jsonl', json: 'json', parquet: 'parquet' } as const;
export type DatasetFormat = (typeof DatasetFormat)[keyof typeof DatasetFormat];
