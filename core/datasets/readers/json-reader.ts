/**
 * Whole-document JSON reader. Accepts the shapes the HF `json` loader accepts: a top-level array of rows, an
 * object holding the row array under `data` or `rows` (the datasets-server `{row_idx, row}` wrapping is
 * unwrapped), or a column-oriented object of equal-length arrays. Rows are numbered from 1 in `line`.
 */
import { readFile, stat } from 'node:fs/promises';
import { DatasetError } from '../../errors.js';
import { BadRowGuard, describeJsonValue, isPlainObject, type ReadRow } from './read-row.js';

/** V8 cannot hold a string much larger than this; such files must be streamed as JSONL instead. */
const MAX_JSON_BYTES = 450 * 1024 * 1024;
const JSON_FIX =
  'make the file a JSON array of row objects (or {"data": [...]}); if it has one object per line, pass --format jsonl';

export async function* readJson(file: string): AsyncGenerator<ReadRow> {
  const { size } = await stat(file);
  if (size > MAX_JSON_BYTES) {
    throw new DatasetError(
      file,
      undefined,
      `JSON file is ${Math.round(size / 1024 / 1024)} MiB, too large to parse as one document`,
      'convert it to JSON Lines (one row per line) and pass the .jsonl file',
    );
  }
  // A UTF-8 byte-order mark is not JSON: drop it rather than fail on an invisible character.
  const text = (await readFile(file, 'utf8')).replace(/^\uFEFF/, '');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new DatasetError(
      file,
      lineOfParseError(text, err as Error),
      `does not parse as JSON (${(err as Error).message})`,
      JSON_FIX,
      { cause: err },
    );
  }
  const rows = rowsOf(doc, file);
  const guard = new BadRowGuard(file, JSON_FIX);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    guard.note(i + 1, isPlainObject(row) ? undefined : `${describeJsonValue(row)}, not an object`);
    yield { row, location: { file, line: i + 1 } };
  }
  guard.check();
}

function rowsOf(doc: unknown, file: string): unknown[] {
  if (Array.isArray(doc)) return doc;
  if (isPlainObject(doc)) {
    for (const key of ['data', 'rows'] as const) {
      const inner = doc[key];
      if (Array.isArray(inner)) return inner.map(unwrapDatasetsServerRow);
    }
    const columns = Object.entries(doc);
    const first = columns[0]?.[1];
    if (Array.isArray(first) && columns.every(([, v]) => Array.isArray(v) && v.length === first.length)) {
      return first.map((_, i) => Object.fromEntries(columns.map(([k, v]) => [k, (v as unknown[])[i]])));
    }
  }
  throw new DatasetError(
    file,
    1,
    `the JSON document is ${describeJsonValue(doc)} with no row array (looked for a top-level array, "data", "rows", or equal-length columns)`,
    JSON_FIX,
  );
}

/** The HF datasets-server API wraps each row as `{row_idx, row, truncated_cells}`. */
function unwrapDatasetsServerRow(entry: unknown): unknown {
  if (isPlainObject(entry) && 'row_idx' in entry && isPlainObject(entry.row)) return entry.row;
  return entry;
}

/** V8 reports either "(line L column C)" or "at position P"; both become a 1-based line. */
function lineOfParseError(text: string, err: Error): number | undefined {
  const lineMatch = /line (\d+) column \d+/.exec(err.message);
  if (lineMatch?.[1]) return Number(lineMatch[1]);
  const posMatch = /position (\d+)/.exec(err.message);
  if (posMatch?.[1]) {
    const pos = Number(posMatch[1]);
    let line = 1;
    for (let i = 0; i < pos && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
    return line;
  }
  return text.trim() === '' ? 1 : undefined;
}
