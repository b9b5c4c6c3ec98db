/**
 * Streaming JSON Lines reader: one row per line, read line by line so multi-GB raw dumps (the coder source is
 * ~400 MB) never sit in memory. Line numbers are 1-based and count blank lines, so they match an editor.
 */
import { nonBlankLines } from '../../util/index.js';
import { BadRowGuard, describeJsonValue, isPlainObject, type ReadRow } from './read-row.js';

const JSONL_FIX =
  'make the file JSON Lines (one JSON object per line); if it holds a single JSON document, pass --format json';

export async function* readJsonl(file: string): AsyncGenerator<ReadRow> {
  const guard = new BadRowGuard(file, JSONL_FIX);
  for await (const { line, text } of nonBlankLines(file)) {
    let row: unknown;
    try {
      row = JSON.parse(text);
    } catch (err) {
      const problem = `not valid JSON (${(err as Error).message})`;
      guard.note(line, problem);
      yield { row: undefined, location: { file, line }, problem };
      continue;
    }
    guard.note(line, isPlainObject(row) ? undefined : `${describeJsonValue(row)}, not an object`);
    yield { row, location: { file, line } };
  }
  guard.check();
}
